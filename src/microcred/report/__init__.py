"""Report: what the analysis notebooks start from (`context`), figures, the claims and their
evidence, the published-figure comparison, the transparency statement, and the report as HTML and
PDF. Reads released tables only; imports `release`, `statistics`, `survey`, `core`."""

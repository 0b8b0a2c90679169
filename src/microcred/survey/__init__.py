"""Survey input: the codebook (the data contract), reading an export (CSV, SPSS, Excel) and
mapping its ids and labels, countries and regions, the validity rules, pseudonyms, the typed
analysis data and its provenance. Imports only `microcred.core`."""

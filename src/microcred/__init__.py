"""microcred: a reproducible re-analysis of the 2024 global survey of higher-education leaders
on for-credit micro-credentials."""

__version__ = "0.1.0"

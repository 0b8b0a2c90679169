"""The synthetic reconstruction: writes exports that follow the codebook and reproduce the
published figures (`python -m microcred.synthetic`). Imports `survey` and `core` only."""

"""Tooling: the command line, the build (what is out of date, staging, publishing), the notebook
runner, parameters, sandboxes, the benchmark, the lock and the notebook filter. May import every
layer; no layer imports it."""

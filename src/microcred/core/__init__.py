"""The base every layer stands on: paths, the atomic byte writer, the pipeline manifest, running
independent work on every core, and the parameter error. Imports nothing else of the package."""

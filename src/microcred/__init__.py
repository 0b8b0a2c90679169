"""microcred: a reproducible re-analysis of the 2024 global survey of higher-education leaders
on for-credit micro-credentials.

The package's folders are its layers. Data flows up them: `survey` reads an export into clean,
pseudonymous data; `statistics` estimates; `release` decides what may be shown; `report` builds
figures, claims and the report; `tooling` runs it all (`python -m microcred`). `core` holds what
every layer shares, and `synthetic` writes the synthetic reconstruction. A module imports its own
layer and the ones `LAYERS` lists for it, never one above (tests/test_project.py checks)."""

LAYERS = {  # each layer and the layers it may import
    "core": (),
    "survey": ("core",),
    "statistics": ("survey", "core"),
    "release": ("statistics", "survey", "core"),
    "report": ("release", "statistics", "survey", "core"),
    "synthetic": ("survey", "core"),
    "tooling": ("synthetic", "report", "release", "statistics", "survey", "core"),
}



def __getattr__(name: str):
    """`microcred.__version__`: pyproject.toml's version (the one place it is written), looked up
    only when asked for, so that importing the package stays cheap."""
    if name != "__version__":
        raise AttributeError(f"module 'microcred' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("microcred")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"

"""Reviewable notebooks: every source notebook has its jupytext text file (py:percent) beside it,
and the text is what jupytext derives from the notebook today, so a pull request's text diff shows
the notebook's real change. After editing a notebook (the .ipynb is the source):
`.venv/bin/jupytext --to py:percent notebooks/*.ipynb`."""

from __future__ import annotations

import jupytext
import pytest
from jupytext.config import load_jupytext_config

from microcred.core import paths
from microcred.tooling.params import NOTEBOOKS

TEXT_FORMAT = {"extension": ".py", "format_name": "percent"}
SYNC = ".venv/bin/jupytext --to py:percent notebooks/*.ipynb"


def paired_text(notebook_path) -> str:
    """The text file jupytext writes for a notebook under the project's jupytext.toml."""
    config = load_jupytext_config(str(notebook_path.parent))
    fmt = dict(TEXT_FORMAT)
    config.set_default_format_options(fmt)
    return jupytext.writes(jupytext.read(notebook_path), fmt=fmt, config=config)


def test_the_project_pairs_the_source_notebooks_with_percent_scripts():
    config = load_jupytext_config(str(paths.NOTEBOOKS))
    assert config is not None and config.formats == ["notebooks///ipynb,notebooks///py:percent"]


def test_every_notebook_and_only_notebooks_have_a_text_file():
    notebooks = {p.stem for p in paths.NOTEBOOKS.glob("*.ipynb")}
    texts = {p.stem for p in paths.NOTEBOOKS.glob("*.py")}
    assert notebooks == texts == set(NOTEBOOKS)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_text_file_is_in_sync_with_its_notebook(notebook):
    path = paths.NOTEBOOKS / f"{notebook}.ipynb"
    committed = path.with_suffix(".py").read_text(encoding="utf-8")
    assert committed == paired_text(path), f"{path.with_suffix('.py').name} is stale: run `{SYNC}`"


def test_a_changed_notebook_changes_its_text(tmp_path):
    source = paths.NOTEBOOKS / f"{NOTEBOOKS[0]}.ipynb"
    nb = jupytext.read(source)
    nb.cells[0].source += "\nA sentence added in review."
    changed = tmp_path / "notebooks" / source.name
    changed.parent.mkdir()
    jupytext.write(nb, changed)
    (tmp_path / "jupytext.toml").write_text((paths.ROOT / "jupytext.toml").read_text())
    text = paired_text(changed)
    assert "# A sentence added in review." in text
    assert text != source.with_suffix(".py").read_text(encoding="utf-8")

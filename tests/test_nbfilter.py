"""Git's clean filter for source notebooks: outputs go, an already clean notebook passes through
byte for byte whatever its JSON layout (so it never looks modified in a checkout)."""

from __future__ import annotations

import json

from microcred.tooling import nbfilter


def notebook(outputs: bool) -> dict:
    cell = {"cell_type": "code", "execution_count": 3 if outputs else None, "id": "nb99-01",
            "metadata": {"tags": ["parameters"]}, "source": ["x = 1"],
            "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]
            if outputs else []}
    return {"cells": [cell], "metadata": {"kernelspec": {"name": "microcred", "language": "python",
                                                         "display_name": "Python (microcred)"}},
            "nbformat": 4, "nbformat_minor": 5}


def test_outputs_and_counts_are_stripped_ids_and_tags_kept():
    cleaned = json.loads(nbfilter.clean(json.dumps(notebook(outputs=True)).encode()))
    cell = cleaned["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert cell["id"] == "nb99-01" and cell["metadata"]["tags"] == ["parameters"]


def test_a_clean_notebook_passes_through_byte_for_byte_in_any_layout():
    for layout in ({"indent": 1}, {"indent": 4, "sort_keys": True}):
        original = json.dumps(notebook(outputs=False), **layout).encode()
        assert nbfilter.clean(original) == original


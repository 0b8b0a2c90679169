"""`python -m microcred compare RUN_A RUN_B`: what changed between two runs (the default run or
runs under runs/): which parameters and inputs differ, and, table by table, which estimates
changed and by how much, which cells became hidden and which became shown.

Only what each run published is compared (its tables/), so the comparison shows nothing either
run did not already show. A table's rows are matched on its text columns (metric, group, ...);
its numbers and true/false flags are the cells compared. A cell is hidden when it is empty where
the other run has a value (the disclosure gate empties the cells it hides).

Writes, into build/compare/<A>-vs-<B>/ (or --out): changes.csv (one row per cell that differs),
summary.csv (per table) and changes.png (the largest changes of published shares, and the hidden
cells), and prints the summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from microcred.core import paths
from microcred.core.files import is_number
from microcred.tooling.runs import Run

FLAGS = {"True", "False", "true", "false"}
SHARE = r"pct|pct_\w+|\w+_pct"  # columns of published shares, drawn in the figure
LARGEST = 20  # changes drawn
TOLERANCE = 1e-9
STATUSES = ("changed", "hidden", "shown", "only in first", "only in second")
COLUMNS = ["table", "row", "column", "first", "second", "change", "status"]


def keys(first: pd.DataFrame, second: pd.DataFrame) -> list[str]:
    """The columns that name a row: those holding text other than numbers and flags."""
    out = []
    for column in first.columns:
        values = pd.concat([first[column], second.get(column, pd.Series(dtype=str))])
        if any(v != "" and v not in FLAGS and not is_number(v) for v in values):
            out.append(column)
    return out


def row_names(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """'metric=offers_mc; group=Europe', numbered where a table repeats a name."""
    text = frame[key].apply(lambda row: "; ".join(f"{k}={v}" for k, v in row.items()), axis=1) \
        if key else pd.Series("row", index=frame.index)
    repeat = text.groupby(text).cumcount()
    return text.where(repeat.eq(0), text + " #" + (repeat + 1).astype(str))


def compare_table(table: str, first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """One row per cell that differs: table, row, column, first, second, change, status."""
    key = keys(first, second)
    a = first.set_axis(row_names(first, key), axis=0)
    b = second.set_axis(row_names(second, key), axis=0)
    rows = []
    for name in a.index.difference(b.index, sort=False):
        rows.append((name, "", "", "", None, "only in first"))
    for name in b.index.difference(a.index, sort=False):
        rows.append((name, "", "", "", None, "only in second"))
    values = [c for c in a.columns if c not in key and c in b.columns]
    for name in a.index.intersection(b.index, sort=False):
        for column in values:
            status, change = cell_change(a.at[name, column], b.at[name, column])
            if status:
                rows.append((name, column, a.at[name, column], b.at[name, column], change, status))
    return pd.DataFrame(rows, columns=COLUMNS[1:]).assign(table=table)[COLUMNS]


def cell_change(first: str, second: str) -> tuple[str | None, float | None]:
    """How one cell changed (hidden, shown, changed) and by how much; None where it did not."""
    if first == second:
        return None, None
    if first != "" and second == "":
        return "hidden", None
    if first == "" and second != "":
        return "shown", None
    if is_number(first) and is_number(second):
        change = float(second) - float(first)
        return ("changed", change) if abs(change) > TOLERANCE else (None, None)
    return "changed", None


def read_tables(run: Run) -> dict[str, pd.DataFrame]:
    """Every table of a run, as text."""
    folder = run.root / paths.TABLES.relative_to(paths.OUTPUT_ROOT)
    return {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
            for p in sorted(folder.glob("*.csv"))}


def changes(first: Run, second: Run) -> pd.DataFrame:
    """Every cell that differs between two runs' tables, and the tables only one has."""
    a, b = read_tables(first), read_tables(second)
    frames = [compare_table(t, a[t], b[t]) for t in a if t in b]
    alone = ([(t, "only in first") for t in a if t not in b]
             + [(t, "only in second") for t in b if t not in a])
    if alone:
        frames.append(pd.DataFrame({"table": [t for t, _ in alone], "row": "", "column": "",
                                    "status": [status for _, status in alone]}))
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    found = found.reindex(columns=COLUMNS)
    return found.assign(change=pd.to_numeric(found["change"]).round(6))


def summary(found: pd.DataFrame) -> pd.DataFrame:
    """Per table: how many cells changed, were hidden or shown, and the largest change."""
    counts = pd.crosstab(found["table"], found["status"]).reindex(columns=STATUSES, fill_value=0)
    largest = found.assign(size=found["change"].abs()).groupby("table")["size"].max()
    return counts.assign(largest_change=largest).reset_index().rename_axis(columns=None)


def parameters_changed(first: Run, second: Run) -> list[str]:
    """'02_regional_comparison.focus_region: North America -> Europe', from the runs' states."""
    a, b = first.read_state(), second.read_state()
    out = []
    for notebook in sorted(set(a) | set(b)):
        pa = a.get(notebook, {}).get("parameters", {})
        pb = b.get(notebook, {}).get("parameters", {})
        out += [f"{notebook}.{k}: {pa.get(k)!r} -> {pb.get(k)!r}"
                for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)]
    return out


def figure(found: pd.DataFrame, first: Run, second: Run, path: Path) -> None:
    """Left, per table, the cells changed, hidden and shown; right, the largest changes of a
    published share (first -> second)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = pd.crosstab(found["table"], found["status"]).reindex(columns=STATUSES[:3],
                                                                  fill_value=0)
    shares = found[found["column"].fillna("").str.fullmatch(SHARE) & found["status"].eq("changed")]
    shares = shares.assign(size=shares["change"].abs()).nlargest(LARGEST, "size").iloc[::-1]
    rows = max(len(counts), len(shares), 3)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 1.6 + 0.28 * rows),
                                      gridspec_kw={"width_ratios": [2, 3]})
    y = list(range(len(counts)))
    for i, (status, colour) in enumerate(zip(STATUSES[:3], ("0.45", "#c0392b", "#2874a6"))):
        left.barh([v + (i - 1) * 0.27 for v in y], counts[status], height=0.27, color=colour,
                  label=f"cells {status}")
    left.set_yticks(y, counts.index, fontsize=7)
    left.set_xlabel("cells")
    left.legend(fontsize=7, loc="lower right")
    left.set_title("per table", fontsize=9)
    y = list(range(len(shares)))
    right.hlines(y, shares["first"].astype(float), shares["second"].astype(float), color="0.6")
    right.plot(shares["first"].astype(float), y, "o", color="0.45", label=first.label)
    right.plot(shares["second"].astype(float), y, "o", color="#c0392b", label=second.label)
    right.set_yticks(y, [f"{t}: {r}"[:70] + f" [{c}]" for t, r, c in
                         zip(shares["table"], shares["row"], shares["column"])],
                     fontsize=6)
    right.set_xlabel("published share (%)")
    right.set_title(f"the {len(shares)} largest changes of a published share", fontsize=9)
    if len(shares):
        right.legend(fontsize=7, loc="lower right")
    else:
        right.text(0.5, 0.5, "no published share changed", ha="center", transform=right.transAxes)
    fig.suptitle(f"{second.label} against {first.label}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150, metadata={"Software": None})
    plt.close(fig)


def main(first_spec: str, second_spec: str, out: str = "") -> int:
    """Compare two runs and write the changes and their summary (`python -m microcred compare`)."""
    from microcred.tooling.runs import find

    first, second = find(first_spec), find(second_spec)
    compared = f"{first.name or 'default'}-vs-{second.name or 'default'}"
    folder = Path(out) if out else paths.BUILD / "compare" / compared
    folder.mkdir(parents=True, exist_ok=True)
    found = changes(first, second)
    table = summary(found)
    found.to_csv(folder / "changes.csv", index=False)
    table.to_csv(folder / "summary.csv", index=False, float_format="%.3f")
    figure(found, first, second, folder / "changes.png")
    print(f"{second.label} against {first.label}")
    for line in parameters_changed(first, second) or ["no parameter differs"]:
        print(f"  {line}")
    print(table.to_string(index=False) if len(table) else "no table differs")
    print(f"written: {paths.relative(folder)}/changes.csv, summary.csv, changes.png")
    return 0

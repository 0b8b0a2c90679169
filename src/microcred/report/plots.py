"""Figures: one byte-stable save helper and the few chart types the report uses.

Every figure states its finding in the title, names its axes in words, carries n and (while the
default data is used) the words "synthetic data" in its caption, uses colour-blind-safe colours,
and is saved as PNG and SVG at a fixed size, dpi and font, with no date or version inside.

Title and caption are said once, by the report, under the figure (numbered, selectable, read by
screen readers): the image carries neither, only a small synthetic-data stamp so that a figure
taken out of the report still says so. Each figure's .json holds its title, caption and alt text
(a description of the chart derived from its axes unless the notebook gives one). Cells the
disclosure control hides are hatched and labelled "not shown"; legends sit outside the data."""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from microcred.core import files, paths  # noqa: E402
from microcred.report.formatting import HIDDEN as HIDDEN_LABEL  # noqa: E402
from microcred.report.formatting import SYNTHETIC_NOTE  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NEUTRAL = "#d9d9d9"
SYNTHETIC_STAMP = "SYNTHETIC DATA: not the survey's responses"
WARN = "#D55E00"
FIGSIZE = (8.0, 4.5)  # 16:9, fits a slide
DPI = 150
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 9, "axes.titlesize": 10,
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": DPI,
    "savefig.dpi": DPI, "svg.hashsalt": "microcred", "svg.fonttype": "path",
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO), "figure.figsize": FIGSIZE,
}


@dataclass(frozen=True)
class Figures:
    """How a notebook saves its figures: while the data is synthetic, every caption says so."""

    synthetic: bool

    def caption(self, text: str) -> str:
        """The caption, with the note that the data is synthetic where it is."""
        return f"{text} {SYNTHETIC_NOTE}" if self.synthetic else text

    def save(self, fig, name: str, title: str, caption: str, alt: str | None = None):
        """figures/<name>.png and .svg, and a .json with the title, caption and alt text the
        report sets (alt: a description derived from the chart unless given); returns the PNG
        for display in the notebook."""
        from IPython.display import Image

        if self.synthetic:
            fig.suptitle(SYNTHETIC_STAMP, x=0.995, ha="right", fontsize=7, color=WARN,
                         fontweight="bold")
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        described = alt or describe(fig)
        plt.close(fig)
        files.write_bytes(paths.FIGURES / f"{name}.png", png.getvalue())
        files.write_bytes(paths.FIGURES / f"{name}.svg", svg.getvalue())
        files.write_json({"title": title, "caption": self.caption(caption), "alt": described},
                         paths.FIGURES / f"{name}.json")
        return Image(data=png.getvalue(), format="png")


def describe(fig) -> str:
    """Alt text read from a drawn figure: for each panel its kind of chart, its title, axes,
    rows, columns and legend, so a screen reader hears what the picture shows."""
    parts, rows_said = [], None
    for ax in fig.axes:
        if ax.get_label() == "<colorbar>":
            continue
        if not ax.axison:
            # a panel saying why it is empty
            parts += [t.get_text().strip() + "." for t in ax.texts]
            continue
        text, rows_said = _describe_panel(ax, fig, rows_said)
        parts.append(text)
    legends = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    if legends:
        parts.append("Legend: " + "; ".join(legends) + ".")
    if fig.get_supxlabel():
        parts.append(fig.get_supxlabel() + ".")
    return " ".join(p for p in parts if p)


def _describe_panel(ax, fig, rows_said: list[str] | None) -> tuple[str, list[str]]:
    def ticks(labels) -> list[str]:
        return [t.get_text() for t in labels if t.get_text()]

    heat = any(type(c).__name__ == "QuadMesh" for c in ax.collections)
    bars = any(type(p).__name__ == "Rectangle" for p in ax.patches)
    title = ax.get_title(loc="left") or ax.get_title()
    out = [("Heatmap" if heat else "Bar chart" if bars else "Dot chart")
           + (f" titled {title!r}" if title else "") + "."]
    if ax.get_xlabel():
        out.append(f"Horizontal axis: {ax.get_xlabel()}.")
    if ax.get_ylabel():
        out.append(f"Vertical axis: {ax.get_ylabel()}.")
    rows, columns = ticks(ax.get_yticklabels()), ticks(ax.get_xticklabels())
    if rows and (heat or not _numeric_labels(rows)):
        out.append("Rows as above." if rows == rows_said else "Rows: " + "; ".join(rows) + ".")
    if heat:
        bar = [a.get_ylabel() for a in fig.axes if a.get_label() == "<colorbar>" and a.get_ylabel()]
        out.append(f"Colour: {bar[0]}." if bar else "")
        out.append("Columns: " + "; ".join(columns) + "." if columns else "")
        if any(t.get_text() == HIDDEN_LABEL for t in ax.texts):
            out.append(f"Hatched cells are {HIDDEN_LABEL} (disclosure control).")
    legend = ax.get_legend()
    if legend is not None:
        out.append("Legend: " + "; ".join(t.get_text() for t in legend.get_texts()) + ".")
    return " ".join(p for p in out if p), rows


def _numeric_labels(labels: list[str]) -> bool:
    return all(label.replace("−", "").replace("-", "").replace(".", "").isdigit()
               for label in labels)


def setup(synthetic: bool) -> Figures:
    """The fixed style for every figure (matplotlib's settings), and how to save them."""
    plt.rcdefaults()
    plt.rcParams.update(STYLE)
    return Figures(synthetic)


def new_figure(height: float = FIGSIZE[1], width: float = FIGSIZE[0], **kw):
    """A figure and its axes in the report's size, laid out to fit."""
    return plt.subplots(figsize=(width, height), layout="constrained", **kw)


def _err(center, low, high) -> np.ndarray:
    """Error-bar lengths, clipped at zero (an interval end can sit a rounding error inside)."""
    center, low, high = (np.asarray(v, dtype=float) for v in (center, low, high))
    return np.clip(np.vstack([center - low, high - center]), 0, None)


def with_n(labels, n) -> list[str]:
    """Labels with their n, "Africa (n=120)"."""
    return [f"{lab} (n={int(k):,})" for lab, k in zip(labels, n)]


def legend_outside(ax, ncol: int = 2):
    """The panel's legend under the figure, outside every axes, so it never covers data."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    return ax.figure.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False,
                            fontsize=8)


# --------------------------------------------------------------------------- chart types

def interval_plot(ax, table: pd.DataFrame, label: str, hue: str | None = None,
                  x: str = "pct", low: str = "ci_low", high: str = "ci_high"):
    """Dots with interval bars, one row per label (and one dot per hue level on that row)."""
    labels = list(dict.fromkeys(table[label]))
    levels = list(dict.fromkeys(table[hue])) if hue else [None]
    step = 0.7 / max(len(levels), 1)
    for k, level in enumerate(levels):
        part = table if hue is None else table[table[hue] == level]
        y = np.array([labels.index(v) for v in part[label]]) + (k - (len(levels) - 1) / 2) * step
        color = OKABE_ITO[k % len(OKABE_ITO)]
        ax.errorbar(part[x], y, xerr=_err(part[x], part[low], part[high]), fmt="o",
                    color=color, ms=4.5, capsize=2, lw=1.2, label=level)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.grid(axis="x", color="#eeeeee")
    if hue:
        legend_outside(ax)
    return ax


def diverging_likert(ax, counts: pd.DataFrame, scale: list[str]):
    """Diverging stacked bars of a five-point scale: disagreement left of zero, agreement right,
    the neutral middle split across zero, and each bar's n at its right. Rows of `counts` are
    groups (a row of zeros is left empty), columns the scale labels."""
    import seaborn as sns  # here: the cleaning step draws no such chart and starts faster

    n = counts[scale].sum(axis=1)
    shares = counts[scale].div(n.where(n > 0), axis=0) * 100
    colors = sns.color_palette("BrBG", 5).as_hex()
    colors[2] = NEUTRAL
    left = -(shares[scale[0]] + shares[scale[1]] + shares[scale[2]] / 2)
    y = np.arange(len(shares))
    for label, color in zip(scale, colors):
        ax.barh(y, shares[label], left=left, color=color, label=label, height=0.7)
        left = left + shares[label]
    for yi, (total, end) in enumerate(zip(n, left)):
        if total:
            ax.text(end + 2, yi, f"n={int(total):,}", va="center", fontsize=7, color="#444444")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, shares.index)
    ax.tick_params(labelleft=True)  # every panel names its rows, also where the y axis is shared
    ax.invert_yaxis()
    ax.set_xlim(-60, 125)
    ax.set_xticks([-50, -25, 0, 25, 50, 75, 100], ["50", "25", "0", "25", "50", "75", "100"])
    ax.set_xlabel("Share of respondents (%): disagree to the left, agree to the right")
    ax.legend(ncol=5, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return ax


def forest(ax, table: pd.DataFrame, label: str = "label", low: str = "adjusted_low",
           high: str = "adjusted_high", marked: str = "p_adjusted", alpha: float = 0.05,
           names: tuple[str, str] | None = None):
    """Differences in percentage points with the interval between the columns `low` and `high`
    (by default the adjusted one, which excludes 0 exactly where the adjusted p < alpha), filled
    where `marked` (a p-value) is under `alpha`: the marking and the interval drawn agree. The
    legend names both kinds of point (`names`: filled, open)."""
    names = names or (f"adjusted p < {alpha:g}", "not significant after adjustment")
    y = np.arange(len(table))
    filled = (table[marked] < alpha).to_numpy()
    ax.errorbar(table["diff_pp"], y, xerr=_err(table["diff_pp"], table[low], table[high]),
                fmt="none", ecolor="#555555", lw=1.2, capsize=2)
    ax.scatter(table["diff_pp"][filled], y[filled], color=OKABE_ITO[5], zorder=3, label=names[0])
    ax.scatter(table["diff_pp"][~filled], y[~filled], facecolor="white", edgecolor="#555555",
               zorder=3, label=names[1])
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, table[label])
    ax.invert_yaxis()
    legend_outside(ax)
    ax.grid(axis="x", color="#eeeeee")
    return ax


def nothing_to_show(ax, reason: str):
    """An empty panel that says why (no group large enough, nobody answered)."""
    ax.axis("off")
    ax.text(0.5, 0.5, reason, ha="center", va="center", wrap=True, fontsize=10, color="#444444",
            transform=ax.transAxes)
    return ax


def heatmap(ax, matrix: pd.DataFrame, fmt: str = ".0f", cmap: str = "cividis", center=None,
            cbar_label: str = "", annot=True, hatch_hidden: bool = False,
            triangle: str | None = None):
    """Annotated heatmap. Empty cells are cells the disclosure control hid: with `hatch_hidden`
    they are hatched and labelled "not shown" (else left blank). `triangle="lower"` draws one
    half of a symmetric matrix, below the diagonal. A row or column with nothing to show at all
    is left out and named under the chart."""
    if triangle not in (None, "lower"):
        raise ValueError(f"triangle must be None or 'lower', not {triangle!r}")
    matrix, dropped = _without_empty(matrix.astype(float), symmetric=triangle is not None)
    if matrix.empty:
        return nothing_to_show(ax, "Nothing to show: every group is under the disclosure threshold")
    import seaborn as sns  # here: the cleaning step draws no heatmap and starts faster

    rows, columns = np.indices(matrix.shape)
    cells = rows > columns if triangle else np.ones(matrix.shape, bool)
    if isinstance(annot, pd.DataFrame):
        annot = annot.reindex(index=matrix.index, columns=matrix.columns).to_numpy()
    if triangle:  # below the diagonal: the first row and the last column hold no cell
        matrix, cells = matrix.iloc[1:, :-1], cells[1:, :-1]
        annot = annot[1:, :-1] if isinstance(annot, np.ndarray) else annot
    sns.heatmap(matrix, ax=ax, annot=annot, fmt=fmt if annot is True else "", cmap=cmap,
                center=center, linewidths=0.5, cbar_kws={"label": cbar_label},
                annot_kws={"fontsize": 7.5}, mask=~cells)
    if hatch_hidden:
        _hatch(ax, matrix.isna().to_numpy() & cells)
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right")
    if dropped:
        ax.figure.supxlabel(f"Left out, {HIDDEN_LABEL} for any "
                            + ("pair: " if triangle else "cell: ") + "; ".join(dropped),
                            x=0.01, ha="left", fontsize=7.5, color="#444444")
    return ax


def _without_empty(matrix: pd.DataFrame, symmetric: bool) -> tuple[pd.DataFrame, list[str]]:
    """The matrix without the rows and columns that show nothing, and their labels. In a
    symmetric matrix a label goes, as row and column, when none of its pairs is shown."""
    if symmetric:
        gone = [label for label in matrix.index if matrix.loc[label].isna().all()]
        return matrix.drop(index=gone, columns=gone), [str(g) for g in gone]
    rows, columns = matrix.notna().any(axis=1), matrix.notna().any(axis=0)
    gone = [str(v) for v in [*matrix.index[~rows], *matrix.columns[~columns]]]
    return matrix.loc[rows, columns], gone


def _hatch(ax, hidden: np.ndarray):
    """Hatch and label each hidden cell, so it reads as withheld, not as missing data."""
    from matplotlib.patches import Rectangle

    for i, j in zip(*np.nonzero(hidden)):
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor="white", edgecolor="#9a9a9a", hatch="////",
                               lw=0.0, zorder=2))
        ax.text(j + 0.5, i + 0.5, HIDDEN_LABEL, ha="center", va="center", fontsize=6.5,
                color="#333333", zorder=3,
                bbox={"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none"})


def disposition_flow(ax, dispositions: pd.DataFrame, n_raw: int):
    """Records left after each rule, as horizontal bars, with what each rule removed."""
    labels = ["raw export"] + [f"{r.step}. {r.rule}" for r in dispositions.itertuples()]
    kept = [n_raw] + list(dispositions["rows_out"])
    removed = [0] + list(dispositions["removed"])
    y = np.arange(len(labels))
    ax.barh(y, kept, color=OKABE_ITO[0], height=0.6)
    for yi, k, r in zip(y, kept, removed):
        ax.text(k, yi, f"  {k:,}" + (f"  (−{r:,})" if r else ""), va="center", fontsize=8)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel("Records kept")
    ax.set_xlim(0, n_raw * 1.25)
    return ax


def dumbbell(ax, table: pd.DataFrame, label: str, left: str, right: str, names: tuple[str, str]):
    """Two values per row joined by a line: e.g. raw against region-balanced shares."""
    y = np.arange(len(table))
    ax.hlines(y, table[left], table[right], color="#bbbbbb", lw=2)
    ax.scatter(table[left], y, color=OKABE_ITO[0], label=names[0], zorder=3)
    ax.scatter(table[right], y, color=OKABE_ITO[1], label=names[1], zorder=3)
    ax.set_yticks(y, table[label])
    ax.invert_yaxis()
    legend_outside(ax)
    ax.grid(axis="x", color="#eeeeee")
    return ax


def published_scatter(ax, table: pd.DataFrame):
    """Published against reproduced percentages, with the reproduced intervals; on the
    diagonal means reproduced exactly. The published readings are filled, the alternative
    readings of a figure (another base, the `role` "alternative") open, and the legend names
    both."""
    ax.plot([0, 100], [0, 100], color="#999999", lw=0.8, ls="--")
    alternative = (table["role"].eq("alternative") if "role" in table
                   else pd.Series(False, table.index))
    for (alt, within), part in table.groupby([alternative, table["within_rounding"].astype(bool)],
                                             sort=True):
        color = OKABE_ITO[2] if within else OKABE_ITO[5]
        reading = "alternative reading" if alt else "published reading"
        ax.errorbar(part["published"], part["reproduced"],
                    yerr=_err(part["reproduced"], part["ci_low"], part["ci_high"]),
                    fmt="o", ms=4.5, capsize=2, lw=1, color=color,
                    markerfacecolor="white" if alt else color,
                    label=f"{reading}, {'within' if within else 'outside'} rounding")
    ax.set_xlabel("Published figure (%)")
    ax.set_ylabel("Reproduced by the pipeline (%)")
    legend_outside(ax)
    return ax

"""Figures: one byte-stable save helper and the few chart types the report uses.

Every figure states its finding in the title, names its axes in words, carries n and (while the
default data is used) the words "synthetic data" in its caption, uses colour-blind-safe colours,
and is saved as PNG and SVG at a fixed size, dpi and font, with no date or version inside."""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from microcred.core import files, paths  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NEUTRAL = "#d9d9d9"
SYNTHETIC_NOTE = "SYNTHETIC DATA: a reconstruction, not the survey's responses."
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
        return f"{text} {SYNTHETIC_NOTE}" if self.synthetic else text

    def save(self, fig, name: str, title: str, caption: str):
        """figures/<name>.png and .svg (+ a .json with title and caption for the report);
        returns the PNG for display in the notebook."""
        from IPython.display import Image

        note = self.caption(caption)
        # wrapped to the figure's width (about ten bold 11-pt characters an inch), so a long
        # computed title never runs off a slide
        wrapped = "\n".join(textwrap.wrap(title, int(fig.get_figwidth() * 10)))
        fig.suptitle(wrapped, x=0.01, ha="left", fontweight="bold", fontsize=11)
        fig.supxlabel("\n".join(textwrap.wrap(note, 125)), x=0.01, ha="left", fontsize=7.5,
                      color="#444444")
        png, svg = io.BytesIO(), io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
        plt.close(fig)
        files.write_bytes(paths.FIGURES / f"{name}.png", png.getvalue())
        files.write_bytes(paths.FIGURES / f"{name}.svg", svg.getvalue())
        files.write_json({"title": title, "caption": note}, paths.FIGURES / f"{name}.json")
        return Image(data=png.getvalue(), format="png")


def setup(synthetic: bool) -> Figures:
    """The fixed style for every figure (matplotlib's settings), and how to save them."""
    plt.rcdefaults()
    plt.rcParams.update(STYLE)
    return Figures(synthetic)


def new_figure(height: float = FIGSIZE[1], width: float = FIGSIZE[0], **kw):
    return plt.subplots(figsize=(width, height), layout="constrained", **kw)


def _err(center, low, high) -> np.ndarray:
    """Error-bar lengths, clipped at zero (an interval end can sit a rounding error inside)."""
    center, low, high = (np.asarray(v, dtype=float) for v in (center, low, high))
    return np.clip(np.vstack([center - low, high - center]), 0, None)


def with_n(labels, n) -> list[str]:
    return [f"{lab} (n={int(k):,})" for lab, k in zip(labels, n)]


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
        ax.legend(frameon=False, fontsize=8, loc="best")
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
    ax.invert_yaxis()
    ax.set_xlim(-60, 125)
    ax.set_xticks([-50, -25, 0, 25, 50, 75, 100], ["50", "25", "0", "25", "50", "75", "100"])
    ax.set_xlabel("Share of respondents (%): disagree to the left, agree to the right")
    ax.legend(ncol=5, fontsize=7, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    return ax


def forest(ax, table: pd.DataFrame, label: str = "label",
           interval: tuple[str, str] = ("adjusted_low", "adjusted_high"), alpha: float = 0.05):
    """Differences in percentage points with the intervals named by `interval` (by default the
    adjusted ones, which exclude 0 exactly where the adjusted p < alpha); filled where the
    adjusted p < alpha, so the marking and the interval drawn agree."""
    y = np.arange(len(table))
    significant = (table["p_adjusted"] < alpha).to_numpy()
    low, high = table[interval[0]], table[interval[1]]
    ax.errorbar(table["diff_pp"], y, xerr=_err(table["diff_pp"], low, high),
                fmt="none", ecolor="#555555", lw=1.2, capsize=2)
    ax.scatter(table["diff_pp"][significant], y[significant], color=OKABE_ITO[5], zorder=3,
               label=f"adjusted p < {alpha:g}")
    ax.scatter(table["diff_pp"][~significant], y[~significant], facecolor="white",
               edgecolor="#555555", zorder=3, label="not significant after adjustment")
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_yticks(y, table[label])
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.grid(axis="x", color="#eeeeee")
    return ax


def nothing_to_show(ax, reason: str):
    """An empty panel that says why (no group large enough, nobody answered)."""
    ax.axis("off")
    ax.text(0.5, 0.5, reason, ha="center", va="center", wrap=True, fontsize=10, color="#444444",
            transform=ax.transAxes)
    return ax


def heatmap(ax, matrix: pd.DataFrame, fmt: str = ".0f", cmap: str = "cividis", center=None,
            cbar_label: str = "", annot=True):
    """Annotated heatmap; empty (suppressed) cells stay blank."""
    if matrix.empty or matrix.isna().all().all():
        return nothing_to_show(ax, "Nothing to show: every group is under the disclosure threshold")
    import seaborn as sns  # here: the cleaning step draws no heatmap and starts faster

    sns.heatmap(matrix.astype(float), ax=ax, annot=annot, fmt=fmt if annot is True else "",
                cmap=cmap, center=center, linewidths=0.5, cbar_kws={"label": cbar_label},
                annot_kws={"fontsize": 7.5})
    ax.set_xticklabels(ax.get_xticklabels(), rotation=30, ha="right")
    return ax


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
    ax.legend(frameon=False, fontsize=8, loc="best")
    ax.grid(axis="x", color="#eeeeee")
    return ax


def published_scatter(ax, table: pd.DataFrame):
    """Published against reproduced percentages, with the reproduced intervals; on the
    diagonal means reproduced exactly."""
    ax.plot([0, 100], [0, 100], color="#999999", lw=0.8, ls="--")
    for within, part in table.groupby("within_rounding", sort=True):
        ax.errorbar(part["published"], part["reproduced"],
                    yerr=_err(part["reproduced"], part["ci_low"], part["ci_high"]),
                    fmt="o", ms=4, capsize=2, lw=1, color=OKABE_ITO[2] if within else OKABE_ITO[5],
                    label="within rounding" if within else "outside rounding")
    ax.set_xlabel("Published figure (%)")
    ax.set_ylabel("Reproduced by the pipeline (%)")
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    return ax

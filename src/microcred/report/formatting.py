"""Tables for readers, formatted once for every format (HTML, PDF, Word): integers as integers, one
decimal for percentages, an interval beside its estimate ("51.0 (47.5–54.4)"), p-values as
"< 0.001" or two significant digits, hidden cells as "not shown" with a footnote saying why,
labels in words, and a source note naming the complete CSV file.

A `ReaderTable` is text only: the renderers lay it out and never format a number themselves."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from microcred.release.policy import NOT_SHOWN

HIDDEN = "not shown"
SYNTHETIC_NOTE = "SYNTHETIC DATA: a reconstruction, not the survey's responses."
NOT_APPLICABLE = "–"
MINUS = "\u2212"  # a typographic minus: read as "minus", never lost as a hyphen
WRAP_AT = 28  # characters: a printed column no wider than this wraps its text


@dataclass(frozen=True)
class ReaderTable:
    """A table as a reader sees it: column labels, rows of text, which columns are numbers
    (right-aligned), which cells are hidden, footnotes, and where the complete table is."""

    name: str
    title: str
    columns: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[str, ...], ...]
    hidden: tuple[tuple[int, int], ...] = ()  # (row, column) of every "not shown" cell
    hidden_note: str = ""  # why they are not shown
    notes: tuple[str, ...] = ()
    source: str = ""  # the file with every row and column, e.g. tables/estimates.csv
    synthetic: bool = False
    number: str = ""  # "3", set when the document places the table

    @property
    def widths(self) -> tuple[int, ...]:
        """Each column's share of a printed page's width: its longest line, capped so that one
        long cell wraps rather than squeezing the other columns."""
        columns = zip(*self.rows) if self.rows else [()] * len(self.columns)
        return tuple(3 + max(3, min(WRAP_AT, max(len(line) for text in (label, *cells)
                                                 for line in text.split("\n"))))
                     for label, cells in zip(self.columns, columns))  # 3: margins, bold headers

    @property
    def source_note(self) -> str:
        """Where the complete table is, and (while the data is synthetic) that it is."""
        note = f"Source: {self.source}, every row and column." if self.source else ""
        return (note + f" {SYNTHETIC_NOTE}").strip() if self.synthetic else note

    @property
    def label(self) -> str:
        """"Table N", as the text refers to it."""
        return f"Table {self.number}" if self.number else "Table"

    @property
    def anchor(self) -> str:
        """The table's anchor in the page."""
        return f"tab-{self.name}"


# --------------------------------------------------------------------------- cells

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA \
        or value == ""


def number(value, decimals: int = 1) -> str | None:
    """A number with a fixed count of decimals and thousands separators; no "-0.0"."""
    if _missing(value):
        return None
    text = f"{abs(float(value)):,.{decimals}f}"
    negative = float(value) < 0 and text.strip("0.,") != ""
    return MINUS + text if negative else text


def integer(value) -> str | None:
    """A whole number with thousands separators; None where missing."""
    return number(value, 0)


def interval(center, low, high, decimals: int = 1) -> str | None:
    """"51.0 (47.5–54.4)"; "−2.8 (−6.1 to 0.5)" where a dash would read as a minus."""
    if _missing(center):
        return None
    c = number(center, decimals)
    if _missing(low) or _missing(high):
        return c
    lo, hi = number(low, decimals), number(high, decimals)
    joiner = " to " if MINUS in lo + hi else "–"
    return f"{c} ({lo}{joiner}{hi})"


def p_value(p) -> str | None:
    """"< 0.001", else two significant digits (0.014, 0.14, 0.70)."""
    if _missing(p):
        return None
    p = float(p)
    return "< 0.001" if p < 0.001 else f"{p:#.2g}".rstrip(".")


def p_in_words(p) -> str:
    """A p-value as a sentence reads it: "< 0.001", else "= " and two significant digits."""
    text = p_value(p)
    return "not shown" if text is None else text if text.startswith("<") else f"= {text}"


def yes_no(value) -> str | None:
    """"yes" or "no"; None where missing."""
    if _missing(value):
        return None
    return "yes" if value in (True, "True", "true", 1) else "no"


def text(value) -> str | None:
    """The value as text; None where missing or not shown."""
    return None if _missing(value) or value == NOT_SHOWN else str(value)


# --------------------------------------------------------------------------- columns

@dataclass(frozen=True)
class Column:
    """One column of a reader's table: its label and how a row gives its cell (None: empty)."""

    label: str
    cell: Callable[[pd.Series], str | None]
    numeric: bool = True


def col_text(key: str, label: str) -> Column:
    """A column of text."""
    return Column(label, lambda r: text(r.get(key)), numeric=False)


def col_int(key: str, label: str) -> Column:
    """A column of whole numbers."""
    return Column(label, lambda r: integer(r.get(key)))


def col_num(key: str, label: str, decimals: int = 1) -> Column:
    """A column of numbers with a fixed count of decimals."""
    return Column(label, lambda r: number(r.get(key), decimals))


def col_interval(center: str, low: str, high: str, label: str, decimals: int = 1) -> Column:
    """A column of estimates with their intervals, "51.0 (47.5–54.4)"."""
    return Column(label, lambda r: interval(r.get(center), r.get(low), r.get(high), decimals))


def col_p(key: str, label: str) -> Column:
    """A column of p-values."""
    return Column(label, lambda r: p_value(r.get(key)))


def col_yes_no(key: str, label: str) -> Column:
    """A column of yes or no."""
    return Column(label, lambda r: yes_no(r.get(key)), numeric=False)


def col_metric(key: str = "metric", label: str = "Measure") -> Column:
    """A column of metrics, shown by their labels."""
    from microcred.report.column_dictionary import metric_labels  # reads the codebook

    labels = metric_labels()
    return Column(label, lambda r: labels.get(r.get(key), r.get(key)), numeric=False)


# Human labels for the columns of any table without a view of its own.
LABELS = {
    "metric": "Measure", "label": "Measure", "group": "Group", "group_type": "Kind of group",
    "n": "n", "count": "Count", "pct": "%", "mean": "Mean", "base": "Base",
    "diff_pp": "Difference (points)", "p_value": "p", "p_adjusted": "Adjusted p",
    "cohens_h": "Cohen's h", "deff": "Design effect", "n_eff": "Effective n",
    "claim": "Claim", "evidence": "Evidence", "holds": "Supported by the test",
    "question": "Question", "asked": "Asked", "answered": "Answered", "missing": "Not answered",
    "missing_pct": "Not answered (%)", "survey": "Survey", "step": "Step", "rule": "Rule",
    "rows_in": "Records in", "removed": "Removed", "rows_out": "Records kept",
    "combination": "Combination", "options": "Barriers in it", "first": "Barrier",
    "second": "With barrier", "lift": "Lift",
}
# Center, low, high: the interval goes in the center's cell.
INTERVALS = [("pct", "ci_low", "ci_high"), ("diff_pp", "diff_low", "diff_high"),
             ("mean", "ci_low", "ci_high"), ("lift", "ci_low", "ci_high"),
             ("reproduced", "ci_low", "ci_high")]
INTEGERS = {"n", "count", "n_group", "n_rest", "n_all", "asked", "answered", "missing", "step",
            "rows_in", "removed", "rows_out", "options", "df"}
TWO_DECIMALS = {"deff", "kish_deff", "cohens_h", "lift", "mean"}
ONLY_IN_THE_CSV = {"suppressed", "srs_ci_low", "srs_ci_high", "diff_se", "df", "n_eff", "deff"}


def humanise(column: str) -> str:
    """A column's heading for readers: its label, or its name in words."""
    return LABELS.get(column, column.replace("_", " ").capitalize())


def generic_columns(frame: pd.DataFrame) -> list[Column]:
    """Every column a reader needs, each formatted by what it holds: a table without its own
    view still reads as a table, not as a dump."""
    merged = {lo for c, lo, hi in INTERVALS if {c, lo, hi} <= set(frame)} | \
             {hi for c, lo, hi in INTERVALS if {c, lo, hi} <= set(frame)}
    out = []
    for c in frame.columns:
        if c in merged or c in ONLY_IN_THE_CSV or (c == "metric" and "label" in frame):
            continue
        spans = [(lo, hi) for center, lo, hi in INTERVALS if center == c and {lo, hi} <= set(frame)]
        decimals = 2 if c in TWO_DECIMALS else 1
        if spans:
            out.append(col_interval(c, *spans[0], f"{humanise(c)} (interval)", decimals))
        elif c == "metric":
            out.append(col_metric())
        elif c.startswith("p_") or c == "p_value":
            out.append(col_p(c, humanise(c)))
        elif c in INTEGERS:
            out.append(col_int(c, humanise(c)))
        elif pd.api.types.is_bool_dtype(frame[c]) or c in ("holds", "within_rounding",
                                                           "equivalent"):
            out.append(col_yes_no(c, humanise(c)))
        elif pd.api.types.is_numeric_dtype(frame[c]):
            out.append(col_num(c, humanise(c), decimals))
        else:
            out.append(col_text(c, humanise(c)))
    return out


# --------------------------------------------------------------------------- hidden rows

def hidden_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows the disclosure gate emptied: flagged `suppressed`, a comparison without its
    difference, or a claim whose evidence says it is not shown."""
    hidden = pd.Series(False, index=frame.index)
    if "suppressed" in frame:
        hidden |= frame["suppressed"].astype(str).eq("True")
    if "diff_pp" in frame and "n_group" in frame:
        hidden |= frame["diff_pp"].isna()
    for column in [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c])]:
        hidden |= frame[column].astype(str).str.startswith(NOT_SHOWN)
    return hidden


def reader_table(name: str, frame: pd.DataFrame, columns: list[Column], title: str,
                 why_hidden: str, notes: tuple[str, ...] = (), source: str | None = None,
                 synthetic: bool = False) -> ReaderTable:
    """Format `frame` into a reader's table: an empty cell of a hidden row reads "not shown"
    (with the footnote `why_hidden`), any other empty cell "–" (does not apply)."""
    hidden_row = hidden_rows(frame).to_numpy()
    rows, hidden = [], []
    for i, (_, row) in enumerate(frame.iterrows()):
        cells = []
        for j, column in enumerate(columns):
            value = column.cell(row)
            if value is None and hidden_row[i]:
                value = HIDDEN
                hidden.append((i, j))
            cells.append(NOT_APPLICABLE if value is None else value)
        rows.append(tuple(cells))
    footnotes = list(notes)
    if any(NOT_APPLICABLE in r for r in rows):
        footnotes.append(f"{NOT_APPLICABLE}: does not apply.")
    return ReaderTable(name=name, title=title, columns=tuple(c.label for c in columns),
                       numeric=tuple(c.numeric for c in columns), rows=tuple(rows),
                       hidden=tuple(hidden), notes=tuple(footnotes),
                       hidden_note=f"Not shown: {why_hidden}." if hidden else "",
                       source=f"tables/{name}.csv" if source is None else source,
                       synthetic=synthetic)


# --------------------------------------------------------------------------- views

@dataclass(frozen=True)
class View:
    """How the report shows one table: a title, which rows, which columns."""

    title: str
    columns: Callable[[pd.DataFrame], list[Column]]
    rows: Callable[[pd.DataFrame], pd.DataFrame] = field(default=lambda t: t)
    note: str = ""


def _first(frame: pd.DataFrame, column: str, default: str) -> str:
    values = frame[column].dropna() if column in frame else []
    return str(values.iat[0]) if len(values) else default


BASES = {"answered": "Everyone who answered",
         "offers_mc = Yes, answered": "Offering institutions",
         "offers_mc = No, answered": "Non-offering institutions"}


def _comparison(frame: pd.DataFrame) -> list[Column]:
    group = _first(frame, "group", "Group")
    correction = {"holm": "Holm-adjusted p", "fdr_bh": "Benjamini–Hochberg adjusted p"}.get(
        _first(frame, "correction", ""), "Adjusted p")
    return [col_text("label", "Measure"), col_int("n_group", f"{group}\nn"),
            col_num("pct_group", f"{group}\n%"), col_int("n_rest", "Rest\nn"),
            col_num("pct_rest", "Rest\n%"),
            col_interval("diff_pp", "diff_low", "diff_high", "Difference, points\n(interval)"),
            col_p("p_value", "p"), col_p("p_adjusted", correction.replace(" p", "\np"))]


def _published(frame: pd.DataFrame) -> list[Column]:
    def published(r):
        return integer(r.get("published")) if r.get("unit") in ("percent", "count",
                                                                "count_lower_bound") \
            and _numeric(r.get("published")) else text(r.get("published"))

    def reproduced(r):
        if r.get("unit") == "percent":
            return interval(r.get("reproduced"), r.get("ci_low"), r.get("ci_high"))
        if _numeric(r.get("reproduced")):
            return integer(r.get("reproduced"))
        return text(r.get("claim"))

    return [col_text("figure_id", "Id"), col_text("label", "Published figure"),
            col_text("group", "Group"), col_text("role", "Reading"),
            Column("Published", published), Column("Reproduced\n(interval)", reproduced),
            col_int("n", "n"), col_yes_no("within_rounding", "Within\nrounding")]


def _numeric(value) -> bool:
    try:
        return not _missing(value) and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


VIEWS: dict[str, View] = {
    "dispositions": View("Records each validity rule removed", lambda t: [
        col_text("survey", "Survey"), col_int("step", "Step"), col_text("rule", "Rule"),
        col_int("rows_in", "Records in"), col_int("removed", "Removed"),
        col_int("rows_out", "Records kept")]),
    "estimates": View(
        "Offering, benefits and plans: every leader who was asked", lambda t: [
            col_metric(), Column("Asked of", lambda r: BASES.get(r.get("base"), r.get("base")),
                                 False),
            col_int("n", "n"), col_interval("pct", "ci_low", "ci_high", "% (interval)")],
        rows=lambda t: t[t["group_type"].eq("all")
                         & ~t["metric"].str.startswith(("barrier_", "growth_"))],
        note="By region, by country and by offering status: the CSV file."),
    "focus_region_vs_rest": View("The focus region against the rest of the sample", _comparison),
    "barriers_focus_vs_rest": View("Barriers: the focus country against the rest", _comparison),
    "employers_us_vs_rest": View("Employers: the United States against the rest", _comparison),
    "region_balanced": View("Headline shares as sampled and with every region weighted equally",
                            lambda t: [
        col_text("label", "Measure"), col_int("n", "n"),
        col_interval("raw_pct", "raw_low", "raw_high", "As sampled\n% (interval)"),
        col_interval("region_balanced_pct", "region_balanced_low", "region_balanced_high",
                     "Regions equal\n% (interval)"),
        col_interval("difference", "difference_low", "difference_high", "Difference\npoints"),
        col_num("kish_deff", "Design effect\n(Kish)", 2)]),
    "barriers_named_per_respondent": View("Barriers named per respondent", lambda t: [
        col_text("group", "Group"), col_int("n", "n"),
        col_interval("mean", "ci_low", "ci_high", "Barriers named, mean (interval)", 2),
        col_p("p_value", "p (Welch)")]),
    "barrier_combinations": View("The most common combinations of barriers", lambda t: [
        col_text("combination", "Barriers named, exactly"), col_int("options", "How many"),
        col_int("count", "Leaders"), col_num("pct", "%")]),
    "equivalence_tests": View("Published claims of similarity, tested", lambda t: [
        col_text("figure_id", "Claim"), col_text("label", "Measure"), col_text("group", "Group"),
        col_int("n_group", "n"), col_num("pct_group", "Group: %"), col_num("pct_all", "All: %"),
        col_interval("diff_pp", "ci90_low", "ci90_high", "Difference, points\n(90% interval)"),
        col_num("margin_pp", "Margin,\npoints"), col_p("p_tost", "p (two one-\nsided tests)"),
        col_yes_no("equivalent", "Similar within\nthe margin")]),
    "published_vs_reproduced": View("Published figures against the pipeline's", _published),
    "not_sure_sensitivity": View('"Not sure" in the base or left out', lambda t: [
        col_text("label", "Measure"), col_int("n_answered", "n"),
        col_num("not_sure_pct", '"Not sure", %'),
        col_interval("pct_not_sure_in", "ci_low_not_sure_in", "ci_high_not_sure_in",
                     '% with "Not sure"\nin the base'),
        col_interval("pct_not_sure_out", "ci_low_not_sure_out", "ci_high_not_sure_out",
                     "% without it"),
        col_num("difference", "Difference\npoints")]),
    "item_nonresponse": View("Questions left unanswered", lambda t: [
        col_text("question", "Question"), col_int("asked", "Asked"),
        col_int("answered", "Answered"), col_int("missing", "Not answered"),
        col_num("missing_pct", "Not answered, %")]),
}


def view(name: str, frame: pd.DataFrame, why_hidden: str, synthetic: bool,
         title: str | None = None) -> ReaderTable:
    """The report's view of tables/<name>.csv (its own, or every column formatted by kind)."""
    spec = VIEWS.get(name)
    if spec is None:
        return reader_table(name, frame, generic_columns(frame), title or humanise(name),
                            why_hidden, synthetic=synthetic)
    rows = spec.rows(frame)
    return reader_table(name, rows.reset_index(drop=True), spec.columns(rows), spec.title,
                        why_hidden, notes=(spec.note,) if spec.note else (), synthetic=synthetic)

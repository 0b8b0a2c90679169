"""The report's structure, built once for every format (HTML, PDF, Word): a title block, then the
sections pipeline.yaml lists, each a sequence of blocks (paragraphs, lists, figures, tables).
Figures and tables are numbered in reading order; each key finding carries references, by number
and anchor, to the figures and tables that show it; every table's CSV file is listed in the
appendix. The renderers only lay this out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pandas as pd

from microcred.core import manifest, paths
from microcred.release.policy import Policy
from microcred.report import content, formatting
from microcred.report.column_dictionary import TABLES as TABLE_DESCRIPTIONS
from microcred.report.formatting import ReaderTable
from microcred.survey.provenance import read_provenance

SYNTHETIC_BANNER = ("Every number in this report comes from a synthetic reconstruction built to "
                    "reproduce the published figures, not from the survey's responses, which are "
                    "not public. It shows what the method gives; it is not evidence about "
                    "higher-education leaders.")
DISCLOSURE_OFF_BANNER = ("Groups of any size are shown; this report is for internal use only and "
                         "must not leave the team.")
STATEMENT_INTRO = ("After the AAPOR Transparency Initiative's disclosure elements: who made the "
                   "survey, of whom, how, when, how many, how it is weighted and how precise it "
                   "is, and what that precision leaves out.")
FILES_INTRO = ("Every table the run wrote, complete, as a CSV file (UTF-8, one row per "
               "observation; docs/columns.md says what every column means). The tables in the "
               "sections above show the rows and columns a reader needs, formatted.")


@dataclass(frozen=True)
class Figure:
    name: str
    number: int
    title: str
    caption: str
    alt: str
    kind: str = field(default="figure", init=False)

    @property
    def label(self) -> str:
        """"Figure N", as the text refers to it."""
        return f"Figure {self.number}"

    @property
    def anchor(self) -> str:
        """The figure's anchor in the page."""
        return f"fig-{self.name}"


@dataclass(frozen=True)
class Ref:
    """Where a finding's numbers are shown: "Figure 2" and the anchor it links to."""

    label: str
    anchor: str


@dataclass(frozen=True)
class KeyFinding:
    text: str
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Findings:
    items: tuple[KeyFinding, ...]
    kind: str = field(default="findings", init=False)


@dataclass(frozen=True)
class Bullets:
    title: str
    items: tuple[str, ...]
    kind: str = field(default="bullets", init=False)


@dataclass(frozen=True)
class TableBlock:
    table: ReaderTable
    kind: str = field(default="table", init=False)


@dataclass(frozen=True)
class CsvFile:
    name: str
    number: str  # "A1"
    description: str
    rows: int

    @property
    def path(self) -> str:
        """Where the CSV file lies, relative to the report."""
        return f"tables/{self.name}.csv"

    @property
    def anchor(self) -> str:
        """The file's anchor in the page."""
        return f"csv-{self.name}"


@dataclass(frozen=True)
class Files:
    files: tuple[CsvFile, ...]
    kind: str = field(default="files", init=False)


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    blocks: tuple


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    synthetic: bool
    disclosure_off: bool
    sections: tuple[Section, ...]

    def figures(self) -> list[Figure]:
        """Every figure of the report, in order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[ReaderTable]:
        """Every reader table of the report, in order."""
        return [b.table for s in self.sections for b in s.blocks if isinstance(b, TableBlock)]

    def as_data(self) -> dict:
        """Plain data (for the PDF's typesetter), with every label and anchor spelled out."""
        def block(b) -> dict:
            data = asdict(b)
            if isinstance(b, Figure):
                data |= {"label": b.label, "anchor": b.anchor}
            elif isinstance(b, TableBlock):
                data["table"] |= {"label": b.table.label, "anchor": b.table.anchor,
                                  "source_note": b.table.source_note, "widths": b.table.widths}
            elif isinstance(b, Files):
                data["files"] = [asdict(f) | {"path": f.path, "anchor": f.anchor} for f in b.files]
            return data

        return {"title": self.title, "subtitle": self.subtitle, "synthetic": self.synthetic,
                "disclosure_off": self.disclosure_off,
                "banner": SYNTHETIC_BANNER, "disclosure_banner": DISCLOSURE_OFF_BANNER,
                "sections": [{"key": s.key, "heading": s.heading,
                              "blocks": [block(b) for b in s.blocks]} for s in self.sections]}


# --------------------------------------------------------------------------- building

def read_figure(name: str, number: int) -> Figure:
    """A figure and its title, caption and alt text, from the JSON beside its image."""
    meta = json.loads((paths.FIGURES / f"{name}.json").read_text(encoding="utf-8"))
    return Figure(name, number, meta["title"], meta["caption"], meta.get("alt") or meta["title"])


def read_table(name: str) -> pd.DataFrame:
    """A table of tables/ as written (empty cells missing, nothing else)."""
    return pd.read_csv(paths.TABLES / f"{name}.csv", keep_default_na=False, na_values=[""])


def hidden_table(why: str, synthetic: bool) -> ReaderTable:
    """The table of how many cells the disclosure control hid, by table."""
    counts = content.hidden_counts()
    columns = [formatting.col_text("output", "Table"),
               formatting.col_int("primary", "Cells hidden: group under the thresholds"),
               formatting.col_int("secondary", "Cells hidden: would give a hidden one away"),
               formatting.col_int("interval", "Cells hidden: would narrow a hidden count "
                                  "below the protection width")]
    return formatting.reader_table("hidden_cells", counts, columns,
                                   "Cells the disclosure control hid, by table", why,
                                   source="report/tables/*.hidden.json", synthetic=synthetic)


def statement_table(provenance: dict, params: dict, synthetic: bool) -> ReaderTable:
    """The transparency statement as a reader table."""
    statement = content.statement_table(provenance, params)
    columns = [formatting.col_text("element", "Element"),
               formatting.col_text("disclosure", "Disclosure")]
    return formatting.reader_table("transparency_statement", statement, columns,
                                   "Transparency statement", "", source="", synthetic=synthetic)


def build(params: dict) -> Document:
    """The whole report for this run's outputs."""
    provenance = read_provenance()
    synthetic = bool(provenance["synthetic"])
    policy = Policy.from_params(params)
    why = policy.rule
    made_figures = [p.stem for p in sorted(paths.FIGURES.glob("*.json"))]
    made_tables = [p.stem for p in sorted(paths.TABLES.glob("*.csv"))]
    counter = {"figure": 0, "table": 0}

    def figure(name: str) -> Figure:
        counter["figure"] += 1
        return read_figure(name, counter["figure"])

    def table(reader: ReaderTable) -> TableBlock:
        counter["table"] += 1
        return TableBlock(ReaderTable(**{**asdict(reader), "number": str(counter["table"])}))

    def view(name: str) -> list[TableBlock]:
        shown = formatting.view(name, read_table(name), why, synthetic)
        return [table(shown)] if shown.rows else []

    files = tuple(CsvFile(name, f"A{i}", TABLE_DESCRIPTIONS.get(name, ""), len(read_table(name)))
                  for i, name in enumerate(table_order(made_tables), 1))
    text_blocks = {
        "findings": lambda: [Findings(())],  # linked once every figure and table has its number
        "methods": lambda: [Paragraph(p) for p in content.methods(provenance, params)],
        "hidden": lambda: [table(t) for t in [hidden_table(why, synthetic)] if t.rows],
        "statement": lambda: [Paragraph(STATEMENT_INTRO),
                              table(statement_table(provenance, params, synthetic))],
        "limitations": lambda: [Bullets("Limitations", tuple(content.limitations()))],
        "files": lambda: [Paragraph(FILES_INTRO), Files(files)],
    }
    findings = [f if isinstance(f, content.Finding) else content.Finding(f)
                for f in content.summary(provenance)]
    sections = []
    for spec in sections_with_the_rest(made_figures):
        blocks = [b for t in spec.text for b in text_blocks[t]()]
        blocks += [figure(f) for f in spec.figures if f in made_figures]
        blocks += [b for t in spec.tables if t in made_tables for b in view(t)]
        sections.append(Section(spec.key, spec.heading, tuple(blocks)))
    document = Document(content.TITLE, content.subtitle(provenance, params), synthetic,
                        policy.off, tuple(sections))
    return with_references(document, findings)


def sections_with_the_rest(figures: list[str]) -> list[manifest.Section]:
    """pipeline.yaml's sections, with any figure placed in none of them in a section of its own
    before the appendix (a table placed nowhere is still in the appendix)."""
    sections = content.SECTIONS
    placed = {f for s in sections for f in s.figures}
    rest = tuple(f for f in figures if f not in placed)
    if not rest:
        return list(sections)
    other = manifest.Section("other", "Other figures", (), rest, ())
    return [*sections[:-1], other, sections[-1]]


def table_order(tables: list[str]) -> list[str]:
    """The CSV files in the order of the notebooks that write them."""
    declared = [t for nb in manifest.notebooks() for t in manifest.notebook(nb).tables]
    return [t for t in declared if t in tables] + sorted(set(tables) - set(declared))


def with_references(document: Document, findings: list[content.Finding]) -> Document:
    """The key findings, each linked to the numbered figures and tables (or, for a table shown
    only as its CSV file, the appendix entry) that carry its numbers."""
    figures = {f.name: Ref(f.label, f.anchor) for f in document.figures()}
    tables = {t.name: Ref(t.label, t.anchor) for t in document.tables()}
    files = {f.name: Ref(f"Table {f.number}", f.anchor) for s in document.sections
             for b in s.blocks if isinstance(b, Files) for f in b.files}
    linked = tuple(KeyFinding(f.text, tuple(
        [figures[n] for n in f.figures if n in figures]
        + [tables.get(n) or files[n] for n in f.tables if n in tables or n in files]))
        for f in findings)
    sections = tuple(Section(s.key, s.heading, tuple(
        Findings(linked) if isinstance(b, Findings) else b for b in s.blocks))
        for s in document.sections)
    return Document(document.title, document.subtitle, document.synthetic,
                    document.disclosure_off, sections)

"""The validity rules of docs/data-contract.md section 2, one small function each, and the step that turns
the kept records into typed, pseudonymous analysis data.

Each rule takes the records still kept and returns the reason each one must go (empty string when
it stays). `apply_rules` runs them in order and accounts for every record: the kept ones, the
rejected ones with their reason, and a disposition row per rule."""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import codebook, countries
from .codebook import Codebook
from .parallel import in_parallel

# a rule: the records kept so far -> each one's reason to go ('' to stay), in their order
Rule = Callable[[pd.DataFrame], pd.Series]
ARROW_TEXT = pd.ArrowDtype(pa.string())  # a value per respondent: no million Python strings


def _reasons(index: pd.Index, flagged: pd.Series, why) -> pd.Series:
    """Empty reasons, and `why` (a string, or a function of the flagged rows) where flagged:
    reason strings are built only for the records that go."""
    reason = pd.Series("", index=index, dtype=object)
    if flagged.any():
        reason[flagged] = why(flagged) if callable(why) else why
    return reason


REAL_RESPONSES = ("IP Address", "Offline")  # rule 1's default; 01_clean's response_statuses


def live_responses(records: pd.DataFrame, real=REAL_RESPONSES) -> pd.Series:
    """Rule 1: only real responses count (the statuses in `real`); previews, tests, spam and
    any status the codebook does not know go, each with its reason."""
    status = records["Status"]
    known = codebook.load().scales["status"]

    def why(out):
        value = status[out].astype(str)
        return ("status is " + value).where(value.isin(known), "unknown status "
                                            + value.map(repr) + " (not in the codebook)")

    return _reasons(records.index, ~status.isin(real), why)


def check_statuses(real, cb: Codebook) -> None:
    """The response_statuses parameter names statuses of the codebook."""
    known = cb.scales["status"]
    unknown = [s for s in real if s not in known] if isinstance(real, list | tuple) else [real]
    if unknown or not real:
        raise ValueError(f"parameter response_statuses = {real!r}: give a list of statuses "
                         f"from {known}; {unknown or 'none'} not among them")


def complete_responses(records: pd.DataFrame) -> pd.Series:
    """Rule 2: finished, with progress 100; partial responses go."""
    if "Progress" not in records:
        return _reasons(records.index, ~records["Finished"], "unfinished")
    progress = records["Progress"]
    partial = ~(records["Finished"] & progress.eq(100))
    return _reasons(records.index, partial, lambda out: "unfinished (progress "
                    + progress[out].astype("Int64").astype(str) + "%)")


SPACES = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"  # what str.strip() removes from ASCII text


def email_key(emails: pd.Series) -> pd.Series:
    """E-mails compared without case or surrounding spaces; empty ones never match. Folded by
    Arrow where an e-mail is plain ASCII (case folding is lowering there), by Python otherwise."""
    text = pa.array(emails, type=pa.string(), from_pandas=True)
    key = pd.Series(pd.arrays.ArrowExtensionArray(pc.ascii_lower(pc.ascii_trim(text, SPACES))),
                    index=emails.index)
    other = ~pc.fill_null(pc.string_is_ascii(text), True).to_numpy(zero_copy_only=False)
    if other.any():
        key[other] = [e.strip().casefold() for e in emails[other]]
    return key.where(key.ne("").fillna(False))


def _earlier_of_one_email(emails: pd.Series) -> pd.Series:
    """Submissions whose e-mail (see `email_key`) comes again later."""
    key = email_key(emails)
    return key.notna() & key.duplicated(keep="last")


def latest_submission_per_person(records: pd.DataFrame, window: str = "24h") -> pd.Series:
    """Rule 3: of repeat submissions by one person, keep only the latest by RecordedDate.

    The same person is the same non-empty e-mail, or the same IP address and institution with
    submissions within `window` of each other. Several leaders of one institution are not
    repeats: they differ in e-mail or IP address. A name that is empty once folded names no
    institution, so it matches none (as it gets no pseudonym: `institution_id`)."""
    order = records[list(PERSON)].sort_values("RecordedDate", kind="stable")  # these columns only
    reason = pd.Series("", index=records.index)
    ip = order["IPAddress"]
    later_email, ip_repeats = in_parallel([partial(_earlier_of_one_email, order["RecipientEmail"]),
                                           lambda: ip.notna() & ip.duplicated(keep=False)])
    reason[later_email[later_email].index] = "repeat submission (same e-mail); a later one is kept"
    shared_ip = order[ip_repeats]
    institution = countries.fold_unique(shared_ip["institution"])  # only where an IP repeats
    named = institution.ne("")  # an empty name names no institution: it matches none
    shared_ip, institution = shared_ip[named], institution[named]
    same = shared_ip.assign(_inst=institution).groupby(["IPAddress", "_inst"], sort=False)
    gap_to_next = same["RecordedDate"].shift(-1) - shared_ip["RecordedDate"]
    repeat_ip = (gap_to_next <= pd.Timedelta(window)).reindex(order.index, fill_value=False)
    repeat_ip &= reason[order.index].eq("")
    reason[repeat_ip[repeat_ip].index] = ("repeat submission (same IP address and institution "
                                          f"within {window}); a later one is kept")
    return reason


def speeders(records: pd.DataFrame, fraction: float) -> pd.Series:
    """Rule 4: faster than `fraction` of the median duration of the records kept so far."""
    duration = records["Duration (in seconds)"]
    threshold = duration.median() * fraction
    return _reasons(records.index, duration < threshold,
                    f"speeder (under {threshold:.0f} s, {fraction:g} of the median duration)")


def identifiable_country(records: pd.DataFrame, resolved: pd.DataFrame,
                         scheme: str | None = None) -> pd.Series:
    """Rule 5: the country must resolve to one ISO code (see countries.resolve_spellings) and,
    with a region `scheme`, have a region in it (see countries.placed)."""
    lookup = (countries.placed(resolved, scheme) if scheme else resolved).set_index("spelling")
    country = records["country"].astype(object)  # the reader's categories: text again
    unresolved = country.map(lookup["iso3"]).fillna("").eq("")

    def why(out):
        reason = country[out].map(lookup["reason"]).fillna("no country given")
        return "country not identified: " + reason + " (" + country[out].fillna("").map(repr) + ")"

    return _reasons(records.index, unresolved, why)


@dataclass
class Cleaned:
    kept: pd.DataFrame
    rejected: pd.DataFrame  # ResponseId, step, rule, reason
    dispositions: pd.DataFrame  # step, rule, rows_in, removed, rows_out


MALFORMED = "malformed records"  # step 0: set aside by the reader (see export.Export.malformed)


class Step(NamedTuple):
    """A rule, its name, and the columns it reads: it sees those columns only, of the records
    kept so far (taking a few columns per rule, not every column; the records themselves are
    filtered once, at the end)."""
    name: str
    rule: Rule
    reads: tuple[str, ...]


def apply_rules(records: pd.DataFrame, rules: list[Step],
                malformed: pd.DataFrame | None = None) -> Cleaned:
    """The rules in order, each on the records the earlier ones kept; records the reader set
    aside (`malformed`: ResponseId and reason, where any) are rejected first, as step 0, so that
    clean + rejected = every record read."""
    rows = np.arange(len(records))  # positions of the records kept so far
    rejected, flow = [], []
    if malformed is not None and len(malformed):
        rejected.append(malformed[["ResponseId", "reason"]].assign(step=0, rule=MALFORMED))
        flow.append({"step": 0, "rule": MALFORMED, "rows_in": len(records) + len(malformed),
                     "removed": len(malformed), "rows_out": len(records)})
    for step, (name, rule, reads) in enumerate(rules, start=1):
        kept = pd.DataFrame({c: records[c].iloc[rows] for c in reads if c in records},
                            index=records.index[rows])
        reason = rule(kept)
        if not reason.index.equals(kept.index):  # reasons are matched to records by position
            raise ValueError(f"rule {name!r} returned reasons for other records than it was given")
        out = reason.ne("").to_numpy()
        rejected.append(pd.DataFrame({"ResponseId": records["ResponseId"].iloc[rows[out]].astype(object),
                                      "step": step, "rule": name, "reason": reason[out]}))
        flow.append({"step": step, "rule": name, "rows_in": len(kept), "removed": int(out.sum()),
                     "rows_out": int((~out).sum())})
        rows = rows[~out]
    kept = records.iloc[rows]
    rejected = pd.concat(rejected, ignore_index=True)[["ResponseId", "step", "rule", "reason"]]
    if len(kept) + len(rejected) != len(records) + (0 if malformed is None else len(malformed)):
        raise AssertionError("records lost: clean + rejected != raw")
    return Cleaned(kept, rejected, pd.DataFrame(flow))


class NoValidResponses(ValueError):
    """Every record of an export was rejected: nothing is left to analyse."""


def require_valid(cleaned: Cleaned, path) -> None:
    if len(cleaned.kept):
        return
    by_rule = ", ".join(f"{r.rule}: {r.removed}" for r in cleaned.dispositions.itertuples() if r.removed)
    raise NoValidResponses(f"{path}: no valid responses remain; all {len(cleaned.rejected):,} "
                           f"records were rejected ({by_rule}); see data/interim/rejected.csv")


STATUS, COMPLETION = ("Status",), ("Finished", "Progress")
PERSON = ("RecordedDate", "RecipientEmail", "IPAddress", "institution")
DURATION, COUNTRY = ("Duration (in seconds)",), ("country",)


def leader_rules(resolved: pd.DataFrame, speeder_fraction: float, repeat_window: str = "24h",
                 scheme: str = "m49", real=REAL_RESPONSES) -> list[Step]:
    """The rules of docs/data-contract.md section 2, in their order."""
    return [
        Step("previews and spam", lambda r: live_responses(r, real), STATUS),
        Step("unfinished or partial", complete_responses, COMPLETION),
        Step("repeat submissions of one person",
             lambda r: latest_submission_per_person(r, repeat_window), PERSON),
        Step("speeders", lambda r: speeders(r, speeder_fraction), DURATION),
        Step("country not identified", lambda r: identifiable_country(r, resolved, scheme), COUNTRY),
    ]


def employer_rules(resolved: pd.DataFrame, real=REAL_RESPONSES) -> list[Step]:
    return [
        Step("previews and spam", lambda r: live_responses(r, real), STATUS),
        Step("unfinished or partial", complete_responses, COMPLETION),
        Step("country not identified", lambda r: identifiable_country(r, resolved), COUNTRY),
    ]


def is_synthetic(records: pd.DataFrame) -> bool:
    """The synthetic reconstruction marks every record it writes (see markers.SYNTHETIC)."""
    from .markers import SYNTHETIC as MARKER

    return bool(len(records)) and bool(records["ExternalReference"].eq(MARKER).all())


def provenance(leaders_export, employers_export, synthetic: bool, n_leaders: int,
               n_employers: int, settings: dict) -> dict:
    """What the clean data came from: read by every later notebook and by the report."""
    import hashlib

    from .paths import relative

    def describe(export):
        return {"file": relative(export.path), "records": export.n_records,
                "sha256": hashlib.sha256(export.path.read_bytes()).hexdigest()}

    return {"synthetic": synthetic, "leaders": describe(leaders_export),
            "employers": describe(employers_export), "valid_leaders": n_leaders,
            "valid_employers": n_employers, **settings}


# --------------------------------------------------------------------------- analysis data

def institution_id(names: pd.Series, key: str) -> pd.Series:
    """A stable pseudonym for each institution: a keyed hash (BLAKE2b in keyed mode, a MAC) of
    its folded name. Without the key the names cannot be recovered by hashing guesses. A
    respondent who names no institution (nothing is left once folded) gets none: missing, so
    that each is a cluster of their own, not all one made-up institution. Each distinct name is
    hashed once."""
    codes, folded = countries.fold_chunks(names)  # hashed here as the next chunk is folded
    secret = hashlib.blake2b(key.encode(), digest_size=32).digest()  # any key length works
    copy = hashlib.blake2b(key=secret, digest_size=8).copy  # the key block hashed once
    unnamed = []

    def digest(name: str) -> bytes:
        mac = copy()
        mac.update(name.encode())
        return mac.digest()

    def hexed(chunk: np.ndarray) -> bytes:
        """The chunk's digests in hex, at once: no Python string per name."""
        unnamed.append(chunk == "")
        return binascii.hexlify(b"".join([digest(n) for n in chunk]))

    with closing(folded):
        hexes = b"".join([hexed(chunk) for chunk in folded])
    offsets = np.arange(0, len(hexes) + 1, 16, dtype=np.int32)  # straight into Arrow's buffers
    digests = pa.Array.from_buffers(pa.string(), len(offsets) - 1,
                                    [None, pa.py_buffer(offsets), pa.py_buffer(hexes)])
    rows = pa.array(codes, mask=np.concatenate(unnamed)[codes])  # no name: a missing pseudonym
    return pd.Series(pd.arrays.ArrowExtensionArray(digests.take(rows)), index=names.index)


def analysis_frame(kept: pd.DataFrame, cb: Codebook, resolved: pd.DataFrame, scheme: str,
                   key: str) -> pd.DataFrame:
    """Typed, pseudonymous respondent data: no personal column survives this function. The
    pseudonyms (one keyed hash per institution, in Python) are computed while the answers are
    typed (mostly array passes, which leave the interpreter free)."""
    out = pd.DataFrame({"response_id": kept["ResponseId"].astype(ARROW_TEXT)}, index=kept.index)
    pseudonyms, answers = in_parallel([partial(institution_id, kept["institution"], key)
                                       if "institution" in kept else lambda: None,
                                       partial(_typed_answers, kept, cb, resolved, scheme)])
    if pseudonyms is not None:
        out["inst_id"] = pseudonyms
    return out.join(answers).reset_index(drop=True)


def _typed_answers(kept: pd.DataFrame, cb: Codebook, resolved: pd.DataFrame,
                   scheme: str) -> pd.DataFrame:
    """Country, region and every answer that is not personal, typed from the codebook."""
    iso3 = kept["country"].astype(object).map(resolved.set_index("spelling")["iso3"])
    out = pd.DataFrame({"iso3": iso3}, index=kept.index)
    out[["country", "region"]] = countries.attach_regions(iso3, scheme)
    for q in cb.questions:
        if q.get("personal") or q["id"] == "country":
            continue
        if q["kind"] == "choice":
            out[q["id"]] = cb.categorical(q["id"], kept[q["id"]])
        elif q["kind"] == "multi":
            out = out.join(multi_select_columns(kept[q["id"]], cb, q["id"]))
    return out


def multi_select_columns(answers: pd.Series, cb: Codebook, question: str) -> pd.DataFrame:
    """One nullable boolean per option (NA where the question was not answered), the answered
    flag, and the number of options chosen. Parses and counts each distinct answer once."""
    codes, distinct = pd.factorize(answers)  # code -1: not answered
    chosen = [{p.strip() for p in str(d).split(",")} for d in distinct]
    answered = codes >= 0
    cols = {f"{question}_answered": pd.Series(answered, index=answers.index)}
    metrics = cb.metrics_of(question)
    exclusive = cb.question(question).get("exclusive")
    counted = np.zeros(len(distinct) + 1, dtype=np.int64)  # last: not answered
    for metric in metrics:
        flags = np.array([metric.label in c for c in chosen] + [False])
        cols[metric.id] = pd.array(flags[codes], dtype="boolean")
        cols[metric.id][~answered] = pd.NA
        counted += flags * (metric.label != exclusive)  # the substantive options chosen
    cols[f"{question}_count"] = pd.array(counted[codes], dtype="Int64")
    cols[f"{question}_count"][~answered] = pd.NA
    return pd.DataFrame(cols, index=answers.index)


INSTITUTION_FACTS = ("offers_mc", "offers_credit")  # facts about the institution, not opinions


def institution_facts(clean: pd.DataFrame, cb: Codebook, facts=INSTITUTION_FACTS):
    """One row per institution: each fact resolved once by majority of its leaders' answers,
    ties going to the most senior role answering; and whether its leaders disagreed.

    A fact the instrument asks only where another holds (credit, asked where micro-credentials
    are offered) exists only where the institution resolved that way: elsewhere it is missing
    (not applicable, outside any base), its leaders are not counted as disagreeing, and
    `<fact>_set_aside` counts the answers its leaders gave all the same."""
    rank = {label: i for i, label in enumerate(cb.labels("role"))}
    by_seniority = clean.assign(_rank=clean["role"].map(rank).astype(float)).sort_values(
        ["inst_id", "_rank", "response_id"], kind="stable")
    base = by_seniority.groupby("inst_id", sort=True).agg(
        iso3=("iso3", "first"), country=("country", "first"), region=("region", "first"),
        n_leaders=("response_id", "size")).astype({"n_leaders": "int64"})  # not Arrow's int
    for fact in facts:
        answered = by_seniority.dropna(subset=[fact])
        counts = answered.groupby(["inst_id", fact], observed=True).size().rename("votes").reset_index()
        first_rank = answered.groupby(["inst_id", fact], observed=True)["_rank"].min().to_numpy()
        counts["seniority"] = -first_rank
        winner = counts.sort_values(["inst_id", "votes", "seniority"], ascending=[True, False, False],
                                    kind="stable").drop_duplicates("inst_id").set_index("inst_id")
        asked = cb.question(fact)["asked"]
        applies = _routing_holds(base, asked)
        base[fact] = cb.categorical(fact, winner[fact].reindex(base.index).where(applies))
        base[f"{fact}_disagree"] = counts.groupby("inst_id").size().reindex(base.index).gt(1) & applies
        if isinstance(asked, dict):
            answers = answered.groupby("inst_id").size().reindex(base.index, fill_value=0)
            base[f"{fact}_set_aside"] = answers.where(~applies, 0)
    return base.reset_index()


def _routing_holds(institutions: pd.DataFrame, asked) -> pd.Series:
    """Where a question's routing condition ({fact: value}, or "all") holds for the institution."""
    holds = pd.Series(True, index=institutions.index)
    for column, value in (asked.items() if isinstance(asked, dict) else []):
        holds &= institutions[column].eq(value).fillna(False).astype(bool)
    return holds

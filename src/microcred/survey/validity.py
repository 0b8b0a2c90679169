"""The validity rules of docs/data-contract.md section 2, one small function each.

Each rule takes the records still kept and returns the reason each one must go (empty string when
it stays). `apply_rules` runs them in order and accounts for every record: the kept ones, the
rejected ones with their reason, and a disposition row per rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from microcred.core.parallel import in_parallel
from microcred.survey import codebook, folding, region_schemes
from microcred.survey.codebook import Codebook

# a rule: the records kept so far -> each one's reason to go ('' to stay), in their order
Rule = Callable[[pd.DataFrame], pd.Series]


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
    institution, so it matches none (as it gets no pseudonym: `institution_id`). The country is
    not part of this key, although it is part of the pseudonym's: one IP address within a day
    is one place, so two submissions naming one institution from it are one person's even where
    the country was typed differently (or left unidentifiable: rule 5 comes later); two
    namesake institutions of two countries behind one IP address within a day are not a case
    the rule should split."""
    order = records[list(PERSON)].sort_values("RecordedDate", kind="stable")  # these columns only
    reason = pd.Series("", index=records.index)
    ip = order["IPAddress"]
    later_email, ip_repeats = in_parallel([partial(_earlier_of_one_email, order["RecipientEmail"]),
                                           lambda: ip.notna() & ip.duplicated(keep=False)])
    reason[later_email[later_email].index] = "repeat submission (same e-mail); a later one is kept"
    shared_ip = order[ip_repeats]
    institution = folding.fold_unique(shared_ip["institution"])  # only where an IP repeats
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
    """Rule 4: faster than `fraction` of the median duration of the records kept so far. A record
    without a duration cannot show it is not a speeder: it goes too (a comparison with a missing
    value is false, which would let it pass)."""
    duration = records["Duration (in seconds)"]
    missing = duration.isna()
    threshold = duration[~missing].median() * fraction if not missing.all() else np.nan
    reason = _reasons(records.index, duration < threshold,
                      f"speeder (under {threshold:.0f} s, {fraction:g} of the median duration)")
    return reason.mask(missing, "duration missing: the speeder rule cannot be applied")


def identifiable_country(records: pd.DataFrame, resolved: pd.DataFrame,
                         scheme: str | None = None) -> pd.Series:
    """Rule 5: the country must resolve to one ISO code (see countries.resolve_spellings) and,
    with a region `scheme`, have a region in it (see region_schemes.placed)."""
    lookup = (region_schemes.placed(resolved, scheme) if scheme else resolved).set_index("spelling")
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


MALFORMED = "malformed records"  # step 0: set aside by the reader (see reader.Export.malformed)


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
        ids = records["ResponseId"].iloc[rows[out]].astype(object)
        rejected.append(pd.DataFrame({"ResponseId": ids, "step": step, "rule": name,
                                      "reason": reason[out]}))
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
    """Some record is valid, where there were any (an export left out is given none)."""
    if len(cleaned.kept) or cleaned.rejected.empty:
        return
    by_rule = ", ".join(f"{r.rule}: {r.removed}" for r in cleaned.dispositions.itertuples()
                        if r.removed)
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
        Step("country not identified", lambda r: identifiable_country(r, resolved, scheme),
             COUNTRY),
    ]


def employer_rules(resolved: pd.DataFrame, real=REAL_RESPONSES) -> list[Step]:
    """The rules for the employer survey: live, complete, with an identifiable country."""
    return [
        Step("previews and spam", lambda r: live_responses(r, real), STATUS),
        Step("unfinished or partial", complete_responses, COMPLETION),
        Step("country not identified", lambda r: identifiable_country(r, resolved), COUNTRY),
    ]

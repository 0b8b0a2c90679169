"""The synthetic reconstruction: raw survey exports whose cleaned analysis reproduces the
published figures.

The respondent-level data of the real survey is not public. This module writes exports in the
shape a survey platform writes them, deterministic from a seed, from three data files:
`synthetic_design.yaml` (sample shape and noise), `reconstruction_targets.csv` (which shares each
group should show: published ones by figure id, assumed ones by value) and `published_figures.csv`
(the published values). No published number is written here.

How answers are allocated: for each metric, the published shares are hard constraints, solved
from the smallest group to the largest (India before Asia Pacific before the whole sample). Each
constraint fixes exact counts for the respondents it covers that are not yet fixed; within them,
counts follow the assumed shares (the prior) and go to the respondents with the highest latent
score, so that answers of one person hang together. Assumed shares therefore move a little so
that every published share holds.

Leaders of one institution: its facts (offers, credit, expansion, type, country) are drawn once
per institution and each leader reports them, except a documented share who answer differently
(`institution_clustering` in the design); opinions carry a latent trait shared within the
institution, so the sample clusters as a real one would.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from microcred.core import files, paths
from microcred.survey import codebook as codebook_mod
from microcred.survey import region_schemes, synthetic_design
from microcred.survey.layout import CHOICE_SEPARATOR, DATETIME_FORMAT
from microcred.survey.markers import (
    SYNTHETIC as MARKER,  # written to ExternalReference on every record
)

TOLERANCE = 0.0045  # a published share counts as reproduced when within this (below 0.5 pp)


# --------------------------------------------------------------------------- inputs

def load_targets(targets: Path = paths.RECONSTRUCTION_TARGETS,
                 published: Path = paths.PUBLISHED_FIGURES) -> pd.DataFrame:
    """Reconstruction targets with the published values joined in by figure id (as shares)."""
    table = pd.read_csv(targets, dtype={"figure_id": str}, keep_default_na=False)
    figures = pd.read_csv(published, dtype=str, keep_default_na=False).set_index("figure_id")
    from_figures = table["figure_id"].map(figures["value"])
    value = pd.to_numeric(table["value"].where(table["flag"].eq("assumed"), from_figures))
    if value.isna().any():
        raise ValueError(f"{targets}: rows without a value: {table[value.isna()].index.tolist()}")
    return table.assign(share=value / 100)


# --------------------------------------------------------------------------- allocation

@dataclass
class Constraint:
    mask: np.ndarray
    share: float


def _group_mask(people: pd.DataFrame, group_type: str, group: str) -> np.ndarray:
    if group_type == "all":
        return np.ones(len(people), dtype=bool)
    if group_type == "country_offers_mc":
        country, offers = group.split("|")
        return (people["country"].eq(country) & people["offers_mc"].eq(offers)).to_numpy()
    column = {"region": "region", "country": "country", "offers_mc": "offers_mc"}[group_type]
    return people[column].eq(group).to_numpy()


def _priors(people: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    """Each respondent's assumed share: the most specific target row that covers them."""
    prior = np.full(len(people), np.nan)
    for level in ("all", "region", "country"):  # later levels are more specific and win
        for row in rows[rows["group_type"] == level].itertuples():
            prior[_group_mask(people, level, row.group)] = row.share
    if np.isnan(prior).any():
        raise ValueError(f"metric {rows['metric'].iat[0]} has no global target")
    return prior


def _cell_quotas(sizes: np.ndarray, priors: np.ndarray, need: int) -> np.ndarray:
    """Integer counts per cell summing to `need`, proportional to prior, capped at cell size."""
    lo, hi = 0.0, 1e6
    for _ in range(200):  # bisection on the common scale factor
        mid = (lo + hi) / 2
        if (sizes * np.minimum(1, mid * priors)).sum() < need:
            lo = mid
        else:
            hi = mid
    exact = sizes * np.minimum(1, hi * priors)
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    for i in order[: need - counts.sum()]:
        counts[i] += 1
    return counts


def _best_count(share: float, base: int, max_skips: int) -> tuple[int, int]:
    """(skips, count): the fewest extra skips that make `share` reachable on the base."""
    best = None
    for skips in range(max_skips + 1):
        b = base - skips
        if b <= 0:
            break
        k = round(share * b)
        err = abs(k / b - share)
        if best is None or err < best[0] - 1e-12:
            best = (err, skips, k)
        if err <= TOLERANCE:
            break
    return best[1], best[2]


def allocate(answered: np.ndarray, constraints: list[Constraint], prior: np.ndarray,
             cells: np.ndarray, score: np.ndarray, rng: np.random.Generator,
             max_skips: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Who answered and who is counted in the numerator, meeting every constraint exactly."""
    answered = answered.copy()
    selected = np.zeros(len(answered), dtype=bool)
    decided = np.zeros(len(answered), dtype=bool)
    for c in sorted(constraints, key=lambda c: int((c.mask & answered).sum())):
        group = answered & c.mask
        free = group & ~decided
        skips, k = _best_count(c.share, int(group.sum()), min(max_skips, int(free.sum())))
        if skips:
            answered[rng.choice(np.flatnonzero(free), skips, replace=False)] = False
            group, free = answered & c.mask, answered & c.mask & ~decided
        need = k - int((selected & group).sum())
        if not 0 <= need <= free.sum():
            raise ValueError(f"targets cannot all hold: need {need} of {free.sum()} free "
                             "respondents")
        selected |= _pick(free, need, prior, cells, score)
        decided |= free
    rest = answered & ~decided
    if rest.any():
        selected |= _pick(rest, int(round((prior[rest]).sum())), prior, cells, score)
    return answered, selected


def _pick(free: np.ndarray, need: int, prior: np.ndarray, cells: np.ndarray,
          score: np.ndarray) -> np.ndarray:
    chosen = np.zeros(len(free), dtype=bool)
    idx = np.flatnonzero(free)
    cell_ids, inverse = np.unique(cells[idx], return_inverse=True)
    sizes = np.bincount(inverse, minlength=len(cell_ids))
    cell_prior = np.bincount(inverse, weights=prior[idx], minlength=len(cell_ids)) / sizes
    quotas = _cell_quotas(sizes, np.maximum(cell_prior, 1e-6), need)
    for c, quota in enumerate(quotas):
        members = idx[inverse == c]
        top = members[np.argsort(-score[members], kind="stable")[:quota]]
        chosen[top] = True
    return chosen


# --------------------------------------------------------------------------- the sample

def _syllable_names(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct made-up place names, so no synthetic institution is a real one."""
    onsets = ["B", "C", "D", "F", "G", "K", "L", "M", "N", "P", "R", "S", "T", "V", "Z", "Br",
              "Cr", "Gr", "Tr", "St", "Vel", "Mar", "Sol", "Al"]
    nuclei = ["a", "e", "i", "o", "u", "ia", "ei", "ou"]
    codas = ["", "n", "r", "l", "s", "nd", "rt", "ville", "mont", "dale", "ford", "haven"]
    names: list[str] = []
    seen: set[str] = set()
    draws = 0
    while len(names) < count:
        parts = [rng.choice(onsets), rng.choice(nuclei), rng.choice(onsets).lower(),
                 rng.choice(nuclei), rng.choice(codas)]
        name = "".join(parts)
        draws += 1
        if name.lower() in seen and draws > 2 * count:  # large samples outgrow the syllables:
            name = f"{name} {len(names)}"  # a number no other name carries keeps it distinct
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


INSTITUTION_PATTERNS = {
    "ES": ["Universidad Autónoma de {}", "Universidad de {}", "Instituto Tecnológico de {}"],
    "PT-BR": ["Universidade Federal de {}", "Centro Universitário {}"],
    "FR": ["Université de {}", "École Supérieure de {}"],
    "EN": ["University of {}", "{} State University", "St. {} College",
           "{} Institute of Technology",
           "{} Community College"],
}


def _institutions(rng, design) -> pd.DataFrame:
    """The institutions, spread over countries in proportion to their respondents."""
    spec = design["countries"]
    n = pd.Series({iso: c["n"] for iso, c in spec.items()})
    k = (n * design["institutions"] / n.sum()).round().clip(lower=1).astype(int)
    k = k.clip(upper=n)
    while k.sum() != design["institutions"]:  # settle rounding on the largest countries
        step = 1 if k.sum() < design["institutions"] else -1
        room = (n - k > 0) if step > 0 else (k > 1)
        k[(n * room).idxmax()] += step
    stems = _syllable_names(rng, int(k.sum()))
    rows, i = [], 0
    for iso, count in k.items():
        patterns = INSTITUTION_PATTERNS[spec[iso]["language"]]
        for _ in range(count):
            rows.append((iso, patterns[i % len(patterns)].format(stems[i])))
            i += 1
    return pd.DataFrame(rows, columns=["iso3", "institution"])


def build_people(design: dict, rng: np.random.Generator) -> pd.DataFrame:
    """The valid respondents: country, region, institution, role, type and latent traits.

    Country and type belong to the institution; the type a leader reports differs from it for
    the design's share of leaders. Opinion traits are part shared by the leaders of one
    institution, part their own."""
    insts = _institutions(rng, design)
    frames = []
    for iso, spec in design["countries"].items():
        own = insts.index[insts["iso3"] == iso].to_numpy()
        extra = rng.choice(own, spec["n"] - len(own), replace=True)  # every institution has one
        frames.append(pd.DataFrame({"iso3": iso, "inst": np.concatenate([own, extra])}))
    people = pd.concat(frames, ignore_index=True)
    people["institution"] = insts.loc[people["inst"], "institution"].to_numpy()
    people[["country", "region"]] = region_schemes.attach_regions(people["iso3"]).to_numpy()
    people["area"] = np.where(people["iso3"].isin(["USA", "IND"]), people["iso3"], people["region"])
    clustering = design["institution_clustering"]
    labels, weights = zip(*design["roles"].items())
    people["role"] = rng.choice(labels, len(people), p=np.array(weights) / sum(weights))
    labels, weights = zip(*design["inst_types"].items())
    inst_type = rng.choice(labels, len(insts), p=np.array(weights) / sum(weights))
    people["inst_type"] = _reported(inst_type[people["inst"]], dict(design["inst_types"]),
                                    clustering["leader_dissent"], rng)
    for trait in ("enthusiasm", "barrier_load"):
        people[trait] = _shared_trait(people["inst"].to_numpy(), clustering["opinion_shared"], rng)
    return people


def _reported(facts: np.ndarray, weights: dict, rate: float, rng) -> np.ndarray:
    """Each leader's answer to a categorical fact: the fact, or for a share `rate` of leaders
    another label (drawn by the labels' weights)."""
    out = facts.astype(object).copy()
    for i in np.flatnonzero(rng.random(len(facts)) < rate):
        others = [label for label in weights if label != facts[i]]
        p = np.array([weights[label] for label in others])
        out[i] = rng.choice(others, p=p / p.sum())
    return out


def _shared_trait(inst: np.ndarray, shared: float, rng) -> np.ndarray:
    """A standard normal trait whose variance is `shared` between leaders of one institution
    (the intra-institution correlation of the trait) and the rest each leader's own."""
    common = rng.normal(size=inst.max() + 1)[inst]
    return np.sqrt(shared) * common + np.sqrt(1 - shared) * rng.normal(size=len(inst))


# --------------------------------------------------------------------------- answers

def _answer_question(people, cb, targets, question_metrics, eligible, rng, design, latent,
                     max_skips=0, score_of=None):
    """(answered, {metric: selected}) for the metrics of one question. Respondents are ranked
    by `score_of(prior)` where given, else by a latent trait plus noise of their own."""
    answered = eligible & (rng.random(len(people)) >= design["item_nonresponse"])
    selections = {}
    for metric in question_metrics:
        rows = targets[targets["metric"] == metric]
        hard = rows[rows["flag"].eq("published") | rows["group_type"].eq("all")]
        constraints = [Constraint(_group_mask(people, r.group_type, r.group), r.share)
                       for r in hard.itertuples()]
        prior = _priors(people, rows)
        if score_of is not None:
            score = score_of(prior)
        else:
            shared = 0.8 * people[latent].to_numpy() if latent else 0.0  # None: options independent
            score = shared + rng.normal(size=len(people))
        answered, selections[metric] = allocate(
            answered, constraints, prior, people["area"].to_numpy(), score, rng, max_skips)
    return answered, selections


# A leader's stance on a fact of their institution: the fact, the other answer, or "Not sure".
FACT, OTHER, NOT_SURE = 0, 1, 2


def _stances(count: int, clustering: dict, rng, not_sure: bool) -> np.ndarray:
    rate = clustering["leader_dissent"]
    unsure = rate * clustering["dissent_not_sure"] if not_sure else 0.0
    u = rng.random(count)
    return np.where(u < unsure, NOT_SURE, np.where(u < rate, OTHER, FACT))


def _fact_scores(inst: np.ndarray, prior: np.ndarray, stance: np.ndarray, has_fact: np.ndarray,
                 rng) -> np.ndarray:
    """Allocation scores under which leaders answer as their institution is.

    Each institution lies on one side of zero (above with its leaders' prior); a leader who
    answers differently takes the mirror image, one who is not sure is never counted, one whose
    institution has no such fact (credit where nothing is offered) a side of their own.
    Institutions with several leaders answering lie further from zero, so that the exact counts
    the targets fix are settled on single-leader institutions, whose fact simply follows."""
    n_inst = inst.max() + 1
    inst_prior = np.zeros(n_inst)
    inst_prior[inst] = prior  # leaders of one institution share a country, hence a prior
    several = np.bincount(inst[has_fact], minlength=n_inst) > 1
    side = np.where(rng.random(n_inst) < inst_prior, 1.0, -1.0)
    latent = side * (1 + rng.random(n_inst) + 2 * several)
    own = np.where(rng.random(len(inst)) < prior, 1.0, -1.0) * (1 + rng.random(len(inst)))
    score = np.where(has_fact, latent[inst], own)
    score = np.where(stance == OTHER, -score, score)
    return np.where(stance == NOT_SURE, -1e9, score)


def _institution_fact(inst: np.ndarray, said_yes: np.ndarray, voters: np.ndarray,
                      stance: np.ndarray) -> np.ndarray:
    """Per institution, whether the fact holds, as its leaders' answers imply (an answer given
    against the fact implies the opposite); no implying answer, or a tie: it does not."""
    implied = np.where(stance == OTHER, ~said_yes, said_yes)
    voters = voters & (stance != NOT_SURE)
    n_inst = inst.max() + 1
    yes = np.bincount(inst[voters], weights=implied[voters], minlength=n_inst)
    return 2 * yes > np.bincount(inst[voters], minlength=n_inst)


def _labels_for(selected, answered, yes_labels, no_labels, rng):
    """Answer labels: one of `yes_labels` for the numerator, of `no_labels` otherwise."""
    out = np.full(len(selected), "", dtype=object)
    for mask, (labels, probs) in ((answered & selected, yes_labels),
                                  (answered & ~selected, no_labels)):
        out[mask] = rng.choice(labels, int(mask.sum()), p=probs)
    return out


def answer_leaders(people: pd.DataFrame, cb, targets: pd.DataFrame, design: dict,
                   rng: np.random.Generator) -> pd.DataFrame:
    """The leaders' answers, drawn to reproduce the reconstruction targets."""
    answers = pd.DataFrame(index=people.index)
    agree = cb.scales["agreement"]
    strongly = design["agree_strongly"]
    agree_yes = ([agree[4], agree[3]], [strongly, 1 - strongly])
    agree_no = (list(design["disagree_split"]), list(design["disagree_split"].values()))
    likely = cb.scales["likelihood"]
    likely_yes = ([likely[4], likely[3]], [design["likely_very"], 1 - design["likely_very"]])
    likely_no = (list(design["unlikely_split"]), list(design["unlikely_split"].values()))
    everyone = np.ones(len(people), dtype=bool)
    max_skips = design["max_feasibility_skips"]

    def single(metric, eligible, yes, no, latent="enthusiasm"):
        answered, sel = _answer_question(people, cb, targets, [metric], eligible, rng, design,
                                         latent, max_skips)
        answers[cb.metric(metric).column] = _labels_for(sel[metric], answered, yes, no, rng)

    inst = people["inst"].to_numpy()

    def fact(metric, eligible, has_fact, not_sure):
        """A fact of the institution; `people` keeps each leader's stance and the fact."""
        stance = _stances(len(people), design["institution_clustering"], rng, not_sure)
        answered, sel = _answer_question(
            people, cb, targets, [metric], eligible, rng, design, None, max_skips,
            score_of=lambda prior: _fact_scores(inst, prior, stance, has_fact & eligible, rng))
        said = np.where(sel[metric], "Yes", np.where(stance == NOT_SURE, "Not sure", "No"))
        answers[cb.metric(metric).column] = np.where(answered, said, "").astype(object)
        people[f"{metric}_stance"] = stance
        holds = _institution_fact(inst, sel[metric], answered & has_fact, stance)
        people[f"{metric}_fact"] = holds[inst] & has_fact

    fact("offers_mc", everyone, everyone, not_sure=True)
    people["offers_mc"] = answers["offers_mc"]  # routing and group masks read it from here
    offering = answers["offers_mc"].eq("Yes").to_numpy()
    not_offering = answers["offers_mc"].eq("No").to_numpy()
    for metric in ("offers_credit", "expanded"):  # facts only where the institution offers
        fact(metric, offering, people["offers_mc_fact"].to_numpy(), not_sure=False)
    for metric in [m.id for m in cb.metrics if m.id.startswith("benefit_")]:
        single(metric, offering, agree_yes, agree_no)
    single("career_outcomes", everyone, agree_yes, agree_no)
    plan_ns = design["plan_not_sure"]
    single("plan_credit_5y", everyone, (["Yes"], [1]), (["No", "Not sure"], [1 - plan_ns, plan_ns]))
    single("adopt_5y", not_offering, likely_yes, likely_no)

    answers["barriers"] = _multi_select(people, cb, targets, "barriers", everyone, rng, design,
                                        "barrier_load")
    # top-three choices compete with each other, so they share no latent trait
    answers["growth_priorities"] = _multi_select(people, cb, targets, "growth_priorities",
                                                 not_offering, rng, design, None)
    return answers


def _multi_select(people, cb, targets, question, eligible, rng, design, latent):
    """Joined labels of a multi-select question (empty when skipped or not shown)."""
    q = cb.question(question)
    options = [o for o in q["options"] if o["label"] != q.get("exclusive")]
    metrics = [o["metric"] for o in options]
    answered, sel = _answer_question(people, cb, targets, metrics, eligible, rng, design, latent)
    chosen = np.column_stack([sel[m] & answered for m in metrics])
    if q.get("max_selected"):
        chosen = _cap_selections(chosen, q["max_selected"], rng)
    labels = [o["label"] for o in options]
    joined = np.array([CHOICE_SEPARATOR.join(lab for lab, c in zip(labels, row) if c)
                       for row in chosen],
                      dtype=object)
    empty = answered & (chosen.sum(axis=1) == 0)
    # a respondent who answered chose something: the exclusive option, or the likeliest one left
    fallback = q.get("exclusive") or labels[1 + int(np.argmax(chosen[:, 1:].sum(axis=0)))]
    joined[empty] = fallback
    joined[~answered] = ""
    return joined


def _cap_selections(chosen: np.ndarray, cap: int, rng) -> np.ndarray:
    """Keep at most `cap` selections each; the first option (the published one) is never dropped."""
    chosen = chosen.copy()
    for i in np.flatnonzero(chosen.sum(axis=1) > cap):
        others = np.flatnonzero(chosen[i, 1:]) + 1
        keep = cap - int(chosen[i, 0])
        chosen[i, rng.permutation(others)[keep:]] = False
    return chosen


# --------------------------------------------------------------------------- the export

def _response_ids(rng, count: int) -> list[str]:
    alphabet = np.array(list(string.ascii_letters + string.digits))
    ids: dict[str, None] = {}  # insertion-ordered: a set's order would follow the hash seed
    while len(ids) < count:
        ids["R_" + "".join(rng.choice(alphabet, 15))] = None
    return list(ids)


def _type_like_a_person(text: str, rng, typing: dict) -> str:
    style = rng.choice(list(typing), p=np.array(list(typing.values())) / sum(typing.values()))
    return {"as_listed": text, "lower": text.lower(), "upper": text.upper(),
            "spaces": f" {text}  "}[style]


def _retype_institution(name: str, rng) -> str:
    """Another way the same person types the same name: case, accents, stops, spacing."""
    import unicodedata

    variant = rng.integers(4)
    if variant == 0:
        return name.lower()
    if variant == 1:
        decomposed = unicodedata.normalize("NFKD", name)
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    if variant == 2:
        return name.replace(".", "").replace(" of ", " Of ")
    return "  ".join(name.split(" "))


FIRST = ["Ana", "Luis", "Priya", "Rahul", "Maria", "John", "Grace", "Chen", "Amina", "Tunde",
         "Sofia", "Diego", "Aisha", "Omar", "Emma", "Kofi", "Mei", "Carlos", "Nora", "Ravi"]
LAST = ["Garcia", "Sharma", "Smith", "Okafor", "Santos", "Lee", "Haddad", "Khan", "Muller",
        "Reyes", "Patel", "Mensah", "Tan", "Lopez", "Nguyen", "Cruz", "Ali", "Brown", "Silva"]
COMMENTS = [
    'We piloted stackable credentials, but "credit" means different things to each faculty.',
    "Contact me at {email} if you want our policy document, it has the details.",
    "Our provost, Dr. {last}, leads this; accreditation is the real bottleneck.\nHappy to talk.",
    "Budget, budget, budget.",
    'Students ask for them; employers ask "are they real?"',
    "Please share results with {first} {last} ({email}).",
    "Line one of a longer note,\nline two, with a comma, and a \"quote\".",
]


def _fieldwork_times(rng, design, count: int) -> pd.Series:
    start = pd.Timestamp(design["fieldwork"]["start"])
    span = (pd.Timestamp(design["fieldwork"]["end"]) - start).total_seconds()
    return start + pd.to_timedelta(np.sort(rng.random(count)) * span, unit="s").round("s")


def _metadata(people, answers, design, rng) -> pd.DataFrame:
    """Platform columns of the valid records, personal data included (it is synthetic)."""
    n = len(people)
    meta = pd.DataFrame(index=people.index)
    duration = np.exp(rng.normal(np.log(design["duration_median_seconds"]), 0.35, n))
    duration = np.clip(duration, design["duration_median_seconds"] * 0.5, None).round().astype(int)
    start = _fieldwork_times(rng, design, n).to_numpy()[rng.permutation(n)]
    meta["start"] = pd.to_datetime(start)
    meta["Duration (in seconds)"] = duration
    meta["Status"] = "IP Address"
    meta["Progress"] = 100
    meta["Finished"] = "True"
    octets = rng.integers(1, 255, size=(n, 4))
    meta["IPAddress"] = [".".join(map(str, row)) for row in octets]
    email = rng.random(n) < design["email_channel"]
    meta["DistributionChannel"] = np.where(email, "email", "anonymous")
    first = rng.choice(FIRST, n)
    last = rng.choice(LAST, n)
    meta["RecipientFirstName"] = np.where(email, first, "")
    meta["RecipientLastName"] = np.where(email, last, "")
    domains = people["institution"].str.lower().str.replace(r"[^a-z]+", "", regex=True).str[:14]
    addresses = [f"{f.lower()}.{la.lower()}{i}@{d}.edu" for i, (f, la, d)
                 in enumerate(zip(first, last, domains))]
    meta["RecipientEmail"] = np.where(email, addresses, "")
    meta["ExternalReference"] = MARKER
    meta["LocationLatitude"] = rng.uniform(-40, 60, n).round(4).astype(str)
    meta["LocationLongitude"] = rng.uniform(-120, 140, n).round(4).astype(str)
    language = {iso: spec["language"] for iso, spec in design["countries"].items()}
    meta["UserLanguage"] = people["iso3"].map(language)
    with_comment = rng.random(n) < design["comment_rate"]
    templates = rng.choice(COMMENTS, n)
    meta["comments"] = [t.format(email=a, first=f, last=la) if c else ""
                        for t, a, f, la, c in zip(templates, addresses, first, last, with_comment)]
    other = answers["barriers"].str.contains("Other")
    meta["barriers_8_TEXT"] = np.where(other,
                                       "Union agreements, and timetabling; \"seat time\" rules", "")
    spellings = [rng.choice(design["countries"][iso]["names"]) for iso in people["iso3"]]
    meta["country"] = [_type_like_a_person(s, rng, design["country_typing"]) for s in spellings]
    meta["institution"] = people["institution"]
    return meta


def _noise(valid: pd.DataFrame, design: dict, rng) -> pd.DataFrame:
    """Records that cleaning must remove, each built from a valid record it imitates."""
    spec = design["noise"]
    pieces = []

    def take(count, pool=None, same_person=False):
        pool = valid.index if pool is None else pool
        copies = valid.loc[rng.choice(pool, count, replace=False)].copy()
        if not same_person:  # another leader of the same institution, not a repeat
            has_email = copies["RecipientEmail"].ne("")
            copies.loc[has_email, "RecipientEmail"] = [
                f"colleague{i}.{e}" for i, e in enumerate(copies.loc[has_email, "RecipientEmail"])]
            octets = rng.integers(1, 255, size=(count, 4))
            copies["IPAddress"] = [".".join(map(str, r)) for r in octets]
        return copies

    previews = take(spec["previews"])
    previews["Status"], previews["DistributionChannel"] = "Survey Preview", "preview"
    pieces.append(previews)
    spam = take(spec["spam"])
    spam["Status"], spam["comments"] = "Spam", "Great offer!!! visit cheap-essays dot example"
    pieces.append(spam)
    partial = take(spec["partial"])
    partial["Finished"] = "False"
    partial["Progress"] = rng.integers(5, 96, len(partial))
    later = ["benefit_", "career_outcomes", "plan_credit_5y", "adopt_5y", "barriers", "growth",
             "comments"]
    for column in [c for c in partial.columns if c.startswith(tuple(later))]:
        partial[column] = np.where(partial["Progress"] < 70, "", partial[column])
    pieces.append(partial)
    by_email = take(spec["repeat_by_email"], valid.index[valid["RecipientEmail"] != ""], True)
    by_email["RecipientEmail"] = [f"  {e.upper()} " if i % 2 else e.title()
                                  for i, e in enumerate(by_email["RecipientEmail"])]
    by_email["start"] -= pd.to_timedelta(rng.integers(1, 10, len(by_email)), unit="D")
    pieces.append(by_email)
    by_ip = take(spec["repeat_by_ip"], valid.index[valid["RecipientEmail"] == ""], True)
    by_ip["start"] -= pd.to_timedelta(rng.integers(1, 20, len(by_ip)), unit="h")
    by_ip["institution"] = [_retype_institution(s, rng) for s in by_ip["institution"]]
    pieces.append(by_ip)
    speeders = take(spec["speeders"])
    speeders["Duration (in seconds)"] = rng.integers(45, 200, len(speeders))
    pieces.append(speeders)
    unknown = take(len(spec["unknown_country"]))
    unknown["country"] = spec["unknown_country"]
    pieces.append(unknown)
    return pd.concat(pieces)


def _finish_times(frame: pd.DataFrame) -> pd.DataFrame:
    fmt = DATETIME_FORMAT
    end = frame["start"] + pd.to_timedelta(frame["Duration (in seconds)"], unit="s")
    frame["StartDate"] = frame["start"].dt.strftime(fmt)
    frame["EndDate"] = end.dt.strftime(fmt)
    frame["RecordedDate"] = (end + pd.Timedelta(seconds=1)).dt.strftime(fmt)
    return frame.drop(columns="start")


def leaders_export(seed: int | None = None, design: dict | None = None,
                   size: int | None = None) -> pd.DataFrame:
    """The raw leaders export as a frame of strings (export order, columns of the codebook).

    `size` scales the valid sample (every country in proportion) for benchmarks; the published
    figures are only guaranteed at the design's own size."""
    design = design or synthetic_design.load()
    if size is not None:
        design = _scaled(design, size)
    rng = np.random.default_rng(design["seed"] if seed is None else seed)
    cb = codebook_mod.load("leaders")
    people = build_people(design, rng)
    answers = answer_leaders(people, cb, load_targets(), design, rng)
    metadata = _metadata(people, answers, design, rng)
    valid = pd.concat([people[["role", "inst_type"]], answers, metadata], axis=1)
    records = pd.concat([valid, _noise(valid, design, rng)], ignore_index=True)
    records = _finish_times(records).sort_values("RecordedDate", kind="stable")
    records["ResponseId"] = _response_ids(rng, len(records))
    return records[cb.columns].astype(str).reset_index(drop=True)


def _scaled(design: dict, size: int) -> dict:
    factor = size / sum(c["n"] for c in design["countries"].values())
    scaled = copy.deepcopy(design)
    for spec in scaled["countries"].values():
        spec["n"] = max(1, round(spec["n"] * factor))
    scaled["institutions"] = max(len(scaled["countries"]), round(design["institutions"] * factor))
    scaled["noise"] = {k: (max(1, round(v * factor)) if isinstance(v, int) else v)
                       for k, v in design["noise"].items()}
    return scaled


def employers_export(seed: int | None = None, design: dict | None = None) -> pd.DataFrame:
    """The synthetic employers export, as the survey platform writes it."""
    design = design or synthetic_design.load()
    spec = design["employers"]
    rng = np.random.default_rng(spec["seed"] if seed is None else seed)
    cb = codebook_mod.load("employers")
    iso = np.repeat(list(spec["countries"]), [c["n"] for c in spec["countries"].values()])
    people = pd.DataFrame({"iso3": iso})
    people[["country", "region"]] = region_schemes.attach_regions(people["iso3"]).to_numpy()
    people["area"] = people["iso3"]
    people["enthusiasm"] = rng.normal(size=len(people))
    targets = load_targets()
    everyone = np.ones(len(people), dtype=bool)
    answers = pd.DataFrame(index=people.index)
    agree = cb.scales["agreement"]
    for metric, yes, no in (
        ("employer_distinguishes", ([agree[4], agree[3]], [0.5, 0.5]),
         (agree[:3], [0.2, 0.3, 0.5])),
        ("employer_hire_degree_plus_mc", (["Yes"], [1]), (["No", "Not sure"], [0.5, 0.5])),
    ):
        answered, sel = _answer_question(people, cb, targets, [metric], everyone, rng,
                                         {**design, "item_nonresponse": 0}, "enthusiasm")
        answers[cb.metric(metric).column] = _labels_for(sel[metric], answered, yes, no, rng)
    answers["country"] = [rng.choice(spec["countries"][i]["names"]) for i in people["iso3"]]
    answers["Status"], answers["Progress"], answers["Finished"] = "IP Address", 100, "True"
    previews = answers.sample(spec["noise"]["previews"], random_state=rng.integers(2**31))
    previews["Status"] = "Survey Preview"
    partial = answers.sample(spec["noise"]["partial"], random_state=rng.integers(2**31))
    partial["Finished"], partial["Progress"] = "False", rng.integers(10, 90, len(partial))
    partial["hire_degree_plus_mc"] = ""
    records = pd.concat([answers, previews, partial], ignore_index=True)
    records = records.loc[rng.permutation(len(records))].reset_index(drop=True)
    records["ResponseId"] = _response_ids(rng, len(records))
    records["ExternalReference"] = MARKER
    return records[cb.columns].astype(str)


# --------------------------------------------------------------------------- writing

PLATFORM_TEXT = {"StartDate": "Start Date", "EndDate": "End Date", "Status": "Response Type",
                 "IPAddress": "IP Address", "Duration (in seconds)": "Duration (in seconds)",
                 "RecordedDate": "Recorded Date", "ResponseId": "Response ID",
                 "RecipientLastName": "Recipient Last Name",
                 "RecipientFirstName": "Recipient First Name", "RecipientEmail": "Recipient Email",
                 "ExternalReference": "External Data Reference",
                 "LocationLatitude": "Location Latitude", "LocationLongitude": "Location Longitude",
                 "DistributionChannel": "Distribution Channel", "UserLanguage": "User Language"}


def header_rows(cb) -> tuple[list[str], list[str]]:
    """Question text and JSON import ids, as a survey platform writes rows 2 and 3."""
    texts, imports = [], []
    for m in cb.export_metadata:
        texts.append(PLATFORM_TEXT.get(m["id"], m["id"]))
        key = {"ImportId": m["id"][0].lower() + m["id"][1:].replace(" (in seconds)", "")}
        if m["kind"] == "datetime":
            key["timeZone"] = "UTC"
        imports.append(json.dumps(key, separators=(",", ":")))
    qid = 0
    for q in cb.questions:
        texts.append(q["text"])
        if q["id"].endswith("_TEXT"):
            imports.append(json.dumps({"ImportId": f"QID{qid}_8_TEXT"}, separators=(",", ":")))
            continue
        qid += 1
        imports.append(json.dumps({"ImportId": f"QID{qid}"}, separators=(",", ":")))
    return texts, imports


def to_csv_bytes(frame: pd.DataFrame, header: list[list[str]] | None = None) -> bytes:
    """The export as bytes: UTF-8 with a byte-order mark, quoted where needed, LF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in header or []:
        writer.writerow(row)
    writer.writerows(frame.itertuples(index=False))
    return buffer.getvalue().encode("utf-8-sig")


def write_exports(leaders: Path = paths.LEADERS_EXPORT, employers: Path = paths.EMPLOYERS_EXPORT,
                  seed: int | None = None, size: int | None = None) -> None:
    """Write the synthetic exports (leaders, and employers unless None) from their seeds."""
    cb = codebook_mod.load("leaders")
    files.write_bytes(leaders, to_csv_bytes(leaders_export(seed, size=size), list(header_rows(cb))))
    if employers is not None:
        files.write_bytes(employers, to_csv_bytes(employers_export(seed)))


EXAMPLE = paths.ROOT / "examples" / "qualtrics_default_ids"


def write_example_export(folder: Path = EXAMPLE, seed: int = 11) -> Path:
    """The your-own-data example: a synthetic export written the way another survey would be,
    by inverting the mapping in the example's params.yaml (and with one extra platform column)."""
    params = yaml.safe_load((folder / "params.yaml").read_text(encoding="utf-8"))
    mapping = params["01_clean"]["mapping"]
    cb = codebook_mod.load("leaders")
    frame = leaders_export(seed)
    for scale, relabel in mapping["labels"].items():
        inverse = {ours: theirs for theirs, ours in relabel.items()}
        for q in cb.questions:
            if q.get("scale") == scale:
                frame[q["id"]] = frame[q["id"]].replace(inverse)
    frame = frame.rename(columns={ours: theirs for theirs, ours in mapping["columns"].items()})
    frame["Q_RecaptchaScore"] = "0.9"
    path = folder / "leaders_export.csv"
    files.write_bytes(path, to_csv_bytes(frame))
    return path


def main() -> None:
    """`make data`: the default exports and the your-own-data example, from their seeds."""
    write_exports()
    write_example_export()

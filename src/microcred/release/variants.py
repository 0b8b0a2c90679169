"""Releases users make together: the same respondents under each region scheme.

The data contract lets a run group countries by one of several region schemes (`region_scheme`:
m49, or continent, which moves Mexico to North America and splits the Middle East from North
Africa). Published side by side, two runs of the same export give back what neither shows alone:
continent North America minus m49 North America minus Mexico is Central America and the
Caribbean. So the schemes are protected in turn, in the order of data/external/region_schemes.csv:
a run under a scheme computes the releases of the schemes before it (exactly as those runs make
them) and protects its own cells together with theirs, hiding what they hide and whatever more
keeps every hidden count uncertain given all of them. The first scheme's release is what it is
alone; any set of runs is protected, the last of them having been protected against all before
it."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from microcred.survey import region_schemes


def earlier(scheme: str) -> list[str]:
    """The schemes a release under `scheme` is protected together with."""
    return others(scheme)[: list(region_schemes.REGION_SCHEMES).index(scheme)]


def others(scheme: str) -> list[str]:
    """Every scheme but `scheme`, in order: the groups they form are protected in every run."""
    schemes = list(region_schemes.REGION_SCHEMES)
    if scheme not in schemes:
        raise ValueError(f"unknown region scheme {scheme!r}; choose one of {schemes}")
    return [s for s in schemes if s != scheme]


def column(scheme: str) -> str:
    """The group type (and frame column) of another scheme's regions."""
    return f"region:{scheme}"


def columns(schemes: list[str], frame: pd.DataFrame | None = None) -> list[str]:
    """The group types of `schemes`' regions (those `frame` has, where given)."""
    return [column(s) for s in schemes if frame is None or column(s) in frame]


def with_regions(frame: pd.DataFrame, scheme: str, schemes: list[str]) -> pd.DataFrame:
    """`frame` (whose regions are `scheme`'s) with each respondent's region under `schemes`;
    `frame` as it is where it has no countries' codes (no other scheme can group it)."""
    if not schemes or "iso3" not in frame:
        return frame
    placed = region_schemes.attach_regions(frame["iso3"], scheme)["region"]
    if not placed.fillna("").astype(str).equals(frame["region"].astype(object).fillna("")
                                                .astype(str)):
        raise ValueError(f"the data's regions are not those of the region scheme {scheme!r}")
    return frame.assign(**{column(s): region_schemes.attach_regions(frame["iso3"], s)["region"]
                           for s in schemes})


def protect_in_turn(estimates: Callable, protect: Callable, keys: pd.DataFrame, scheme: str,
                    region_order: list[str]) -> pd.DataFrame:
    """The release under `scheme`, protected together with those under the schemes before it,
    each made in turn as its own run makes it: `estimates(keys, regions)` the cells (regions in
    this order), `protect(keys, cells, before, other_regions)` their protection given the
    releases `before` (their regions as `region:<scheme>`) and the other schemes' regions.
    `keys` holds the regions of `scheme` and, as `region:<scheme>`, of every other."""
    before = None
    for s in columns(earlier(scheme), keys) and earlier(scheme):
        view = keys.assign(region=keys[column(s)], **{column(scheme): keys["region"]})
        order = [r for r in region_schemes.regions(s) if r in set(view["region"].dropna())]
        table = protect(view, estimates(view, order), before, columns(others(s), view))
        table = table.assign(group_type=table["group_type"].replace({"region": column(s)}))
        before = table if before is None else pd.concat([before, table], ignore_index=True)
    return protect(keys, estimates(keys, region_order), before, columns(others(scheme), keys))

"""The disclosure policy: a group is too small when it has fewer than `min_group_size`
respondents or `min_institutions` institutions in a cell's base; thresholds below the floors are
refused unless disclosure control is said to be off, for internal use; and the words every output
uses for a cell it does not show. The gate (`release.gate`) applies it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

FLOORS = {"min_group_size": 10, "min_institutions": 3, "protection_width": 3}

# A hidden count must stay uncertain over this many whole numbers at least (release.intervals):
# about a tenth of the default group size, the share of a cell's value statistical agencies
# commonly ask a suppressed cell's protection interval to span, and at its floor no reader knows
# a hidden count to within one either way.
PROTECTION_WIDTH = 3

OFF = "off for internal use"  # the only value of `disclosure_control` that lifts the floors

# a group under the thresholds, or a cell hidden so that no hidden count can be worked back
NOT_SHOWN = "not shown (disclosure control)"

CLASS_NOT_SHOWN = "not shown: a weighting class is under the threshold"


class DisclosureError(ValueError):
    """Thresholds that would show groups too small to protect. Names the parameter."""


@dataclass(frozen=True)
class Policy:
    min_group_size: int
    min_institutions: int
    off: bool = False  # disclosure control off, for internal use only (said on the report)
    protection_width: int = PROTECTION_WIDTH

    @classmethod
    def from_params(cls, params: Mapping) -> Policy:
        """The policy the run's parameters set, checked against the floors."""
        setting = params.get("disclosure_control", "on")
        if setting not in ("on", OFF):
            raise DisclosureError(
                f"parameter disclosure_control = {setting!r}; choose 'on' or {OFF!r}")
        policy = cls(params["min_group_size"], params["min_institutions"], setting == OFF,
                     params.get("protection_width", PROTECTION_WIDTH))
        policy.check()
        return policy

    def check(self) -> None:
        """Refuse thresholds below the floors, unless disclosure control is off."""
        if self.off:
            return
        for name, floor in FLOORS.items():
            value = getattr(self, name)
            whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
            if not whole or value < floor:
                raise DisclosureError(
                    f"parameter {name} = {value!r} is below the floor of {floor}: groups that "
                    f"small cannot be protected. Raise it, or set disclosure_control: {OFF!r} for "
                    "internal use only (the report then says so on its first screen).")

    def too_few(self, n_valid: int) -> str | None:
        """The one message for a survey smaller than the threshold (None otherwise)."""
        if n_valid < self.min_group_size:
            return (f"{n_valid:,} valid responses, fewer than min_group_size = "
                    f"{self.min_group_size}: no group can be shown. Every table keeps its n and "
                    "shows no values; every figure says so.")
        return None

    def cannot_show(self, what: str) -> str:
        """A title for a section with nothing to show, saying plainly why."""
        return (f"{what}: nothing can be shown (no group of at least {self.min_group_size} "
                f"respondents and {self.min_institutions} institutions that would not give a "
                "smaller one away)")

    def too_small(self, n: int, institutions: int) -> bool:
        """Whether a group of n respondents in so many institutions is under the thresholds."""
        return n == 0 or n < self.min_group_size or institutions < self.min_institutions

    @property
    def rule(self) -> str:
        """The rule in words, for the report's methods."""
        return (f"no value is shown for a group of fewer than {self.min_group_size} respondents or "
                f"{self.min_institutions} institutions, nor for any group that the shown numbers "
                "would let a reader work back by subtraction, sums or averages; and the greatest "
                "and least value a reader can give any hidden count stay at least "
                f"{self.protection_width} apart (the protection width)")

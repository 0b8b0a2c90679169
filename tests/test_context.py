"""What the analysis notebooks start from: the focus parameter is checked against the data, unless
the survey is too small to show any group (then there is one message and nothing to check)."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.core.choices import ParameterError
from microcred.release.policy import Policy
from microcred.report.context import check_focus

POLICY = Policy.from_params({"min_group_size": 30, "min_institutions": 3,
                             "disclosure_control": "on"})


def leaders(n: int) -> pd.DataFrame:
    return pd.DataFrame({"region": ["Europe", "Asia Pacific"] * (n // 2) + ["Europe"] * (n % 2)})


def test_a_focus_the_data_has_passes_silently():
    assert check_focus(POLICY, leaders(40), "focus_region", "Europe", "region") is None


def test_a_focus_the_data_lacks_stops_the_run_naming_the_parameter():
    with pytest.raises(ParameterError, match="focus_region = 'MENA'"):
        check_focus(POLICY, leaders(40), "focus_region", "MENA", "region")


@pytest.mark.parametrize("n", [1, 29])
def test_a_survey_under_the_threshold_gives_its_one_message_and_checks_no_focus(n):
    message = check_focus(POLICY, leaders(n), "focus_region", "MENA", "region")
    assert message == POLICY.too_few(n) and f"{n:,} valid responses" in message

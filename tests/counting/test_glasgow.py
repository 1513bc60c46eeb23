"""Glasgow 2022 (all 23 wards) and 2017 (wards 2 and 7): the official results, stage by stage.

`asamblea count --method stv-scottish` must elect the official councillors at the
official stages and match every published figure of every stage to 0.00001: each
candidate's total, who was elected, whose surplus or exclusion the stage was, the
non-transferable votes and the votes lost to rounding.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from asamblea.counting.blt import read_blt
from asamblea.counting.methods import count
from asamblea.counting.result import CountResult

DATA = Path(__file__).parent / "data" / "glasgow"
OFFICIAL: dict[str, dict[str, Any]] = json.loads(
    (DATA / "official_stages.json").read_text("utf-8")
)["wards"]
TOLERANCE = Decimal("0.00001")


@cache
def counted(ward: str) -> CountResult:
    return count(read_blt(DATA / ward), "stv-scottish")


def ward_id(ward: str) -> str:
    return ward.removesuffix(".blt").lower()


STAGES = [
    pytest.param(ward, index, id=f"{ward_id(ward)}-stage-{index + 1}")
    for ward, official in OFFICIAL.items()
    for index in range(len(official["stages"]))
]


def test_every_ward_and_every_official_stage_is_checked() -> None:
    wards_2022 = [ward for ward in OFFICIAL if ward.startswith("ward-")]
    assert len(wards_2022) == 23
    assert sum(len(OFFICIAL[ward]["stages"]) for ward in wards_2022) == 179
    assert len(OFFICIAL) == 25


@pytest.mark.parametrize("ward", list(OFFICIAL), ids=ward_id)
def test_quota_valid_votes_and_number_of_stages_are_official(ward: str) -> None:
    official, result = OFFICIAL[ward], counted(ward)
    assert result.seats == int(official["seats"])
    assert result.quota == Decimal(official["quota"])
    assert result.valid_votes == Decimal(official["valid_votes"])
    assert len(result.stages) == len(official["stages"])


@pytest.mark.parametrize("ward", list(OFFICIAL), ids=ward_id)
def test_the_official_councillors_are_elected_at_the_official_stages(ward: str) -> None:
    official = [
        (name, stage["stage"]) for stage in OFFICIAL[ward]["stages"] for name in stage["elected"]
    ]
    assert sorted(counted(ward).elected) == sorted(official)


@pytest.mark.parametrize(("ward", "index"), STAGES)
def test_official_stage_is_reproduced(ward: str, index: int) -> None:
    official = OFFICIAL[ward]["stages"][index]
    stage = counted(ward).stages[index]
    assert stage.number == official["stage"]
    assert stage.kind == official["kind"]
    assert stage.subject == ((official["subject"],) if "subject" in official else ())
    assert set(stage.elected) == set(official["elected"])
    for name, total in official["votes"].items():
        assert abs(stage.votes[name] - Decimal(total)) <= TOLERANCE, name


@pytest.mark.parametrize(("ward", "index"), STAGES)
def test_official_non_transferable_and_rounding_figures_are_reproduced(
    ward: str, index: int
) -> None:
    official = OFFICIAL[ward]["stages"][index]
    stages = counted(ward).stages
    stage = stages[index]
    before = stages[index - 1].rounding_loss if index else Decimal(0)
    if "rounding" in official:
        # 2022 sheets: this stage's rounding apart; earlier rounding inside the
        # cumulative non-transferable votes.
        assert abs(stage.rounding_loss - before - Decimal(official["rounding"])) <= TOLERANCE
        expected_non_transferable = stage.non_transferable + before
    else:
        # 2017 sheets: rounding counted in the non-transferable votes.
        expected_non_transferable = stage.non_transferable + stage.rounding_loss
    assert abs(expected_non_transferable - Decimal(official["non_transferable"])) <= TOLERANCE

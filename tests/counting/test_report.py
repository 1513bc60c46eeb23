"""Result sheets: the text report people pin on a wall, and the JSON that machines read."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from asamblea.counting.blt import parse_blt, read_blt
from asamblea.counting.methods import count
from asamblea.counting.profile import Profile
from asamblea.counting.report import render_json, render_text, to_dict
from asamblea.counting.result import CountResult, Draw, Stage

LINN = Path(__file__).parent / "data" / "glasgow" / "ward-01-linn.blt"


def linn() -> CountResult:
    return count(read_blt(LINN), "stv-scottish")


def block(text: str, heading: str) -> list[str]:
    """The lines of one stage table, from its heading to the blank line after it."""
    lines = [*text.splitlines(), ""]
    start = lines.index(heading)
    return lines[start : lines.index("", start)]


def test_text_report_heads_with_quota_and_who_was_elected_when() -> None:
    text = render_text(linn())
    assert text.startswith("Ward 1 Linn\n===========\n")
    assert "Method:        Single transferable vote, Scottish rules (SSI 2007/42)" in text
    assert "Seats:         4\n" in text
    assert "Valid votes:   8,994\n" in text
    assert "Quota:         1,799\n" in text
    assert "  1. Malcolm CUNNING           at stage 1\n" in text
    assert "  4. Catherine VALLIS          at stage 9\n" in text


def test_text_report_has_a_table_per_stage_like_the_official_sheet() -> None:
    stage2 = block(
        render_text(linn()), "Stage 2: Surplus of Malcolm CUNNING transferred (353.00000)"
    )
    assert stage2[1] == "-" * len(stage2[0])
    assert stage2[2].split() == ["Candidate", "Transfer", "Votes", "Status"]
    rows = {line[:28].strip(): line[28:].split() for line in stage2[3:]}
    assert rows["Euan BLOCKLEY"] == ["+27.72107", "1,062.72107"]
    assert rows["Malcolm CUNNING"] == ["-353.00000", "1,799.00000", "elected"]
    assert rows["Paul MCCABE"] == ["1,934.00000", "elected"]  # no transfer: blank
    assert rows["Non-transferable"] == ["+31.00167", "31.00167"]
    assert rows["Lost to rounding"] == ["+0.00744", "0.00744"]
    assert rows["Total"] == ["8,994.00000"]


def test_text_report_marks_the_stage_of_election_and_exclusion() -> None:
    text = render_text(linn())
    first = block(text, "Stage 1: First preferences")
    assert first[4].split()[-1] == "ELECTED"  # Malcolm CUNNING
    exclusion = block(text, "Stage 4: Exclusion of Angela JONES (120.71127)")
    assert exclusion[5].split()[-1] == "EXCLUDED"
    later = block(text, "Stage 5: Exclusion of Keith WARWICK (577.39439)")
    assert later[5].split()[-1] == "excluded"
    assert "Note (last vacancies)" not in text


def test_text_report_explains_ties_draws_and_notes() -> None:
    result = count(
        read_blt_text('3 1\n2 1 0\n2 2 0\n4 3 0\n0\n"A"\n"B"\n"C"\n'), "stv-scottish", seed=11
    )
    report = render_text(result)
    stage2 = block(report, next(line for line in report.splitlines() if line.startswith("Stage 2")))
    assert stage2[-2].split()[0] == "Total"  # notes come after the table
    assert stage2[-1].startswith("  Note (tie (exclude)): A, B were tied at every stage; lot chose")
    assert "Ties decided by lot\n  Seed: 11 (count again with this seed to repeat the draws)" in (
        report
    )
    assert "  Stage 2, exclude: A, B -> " in report
    assert "Notes\n  rules: The Scottish Local Government Elections Order 2007" in report


def read_blt_text(text: str) -> Profile:
    return parse_blt(text)


def whole_vote_result() -> CountResult:
    """A one-stage count of whole papers, as plurality or approval would give."""
    votes = {"Ana": Decimal(7), "Luis": Decimal(3)}
    return CountResult(
        method="some-new-method",
        seats=1,
        candidates=("Ana", "Luis"),
        valid_votes=Decimal(10),
        quota=None,
        elected=(),
        stages=(
            Stage(
                number=1,
                action="Votes counted",
                kind="round",
                subject=(),
                votes=votes,
                transfers={},
                non_transferable=Decimal(0),
                rounding_loss=Decimal(0),
            ),
        ),
        ranking=("Ana", "Luis"),
    )


def test_text_report_of_whole_votes_has_no_decimals_and_no_empty_rows() -> None:
    text = render_text(whole_vote_result())
    assert text.startswith("Result of the count\n")
    assert "Method:        some-new-method\n" in text
    assert "Quota" not in text
    assert "  (nobody)\n" in text
    assert "Ranking\n  1. Ana\n  2. Luis\n" in text
    table = block(text, "Stage 1: Votes counted")
    assert [line.split() for line in table[3:]] == [["Ana", "7"], ["Luis", "3"], ["Total", "10"]]
    assert "Non-transferable" not in text
    assert "Lost to rounding" not in text
    assert "Ties decided by lot" not in text


def test_json_has_the_required_fields_with_decimals_as_strings() -> None:
    data = json.loads(render_json(linn()))
    assert data["method"] == "stv-scottish"
    assert data["seats"] == 4
    assert data["quota"] == "1799"
    assert data["valid_votes"] == "8994"
    assert data["elected"] == [
        {"name": "Malcolm CUNNING", "stage": 1},
        {"name": "Paul MCCABE", "stage": 1},
        {"name": "Margaret MORGAN", "stage": 7},
        {"name": "Catherine VALLIS", "stage": 9},
    ]
    assert len(data["stages"]) == 9
    stage = data["stages"][1]
    assert stage["action"] == "Surplus of Malcolm CUNNING transferred"
    assert stage["votes"]["Euan BLOCKLEY"] == "1062.72107"
    assert stage["transfers"]["Malcolm CUNNING"] == "-353.00000"
    assert stage["non_transferable"] == "31.00167"
    assert stage["rounding_loss"] == "0.00744"
    assert set(stage["votes"]) == set(data["candidates"])
    assert data["seed"] is None
    assert data["draws"] == []


def test_json_records_the_seed_and_each_draw() -> None:
    result = count(
        read_blt_text('3 1\n2 1 0\n2 2 0\n4 3 0\n0\n"A"\n"B"\n"C"\n'), "stv-scottish", seed=11
    )
    data = to_dict(result)
    assert data["seed"] == 11
    (draw,) = data["draws"]
    assert draw == {"stage": 2, "purpose": "exclude", "tied": ["A", "B"], "chosen": draw["chosen"]}
    assert render_json(result).endswith("}\n")


def test_json_keeps_a_missing_quota_as_null_and_names_as_given() -> None:
    data = json.loads(render_json(whole_vote_result()))
    assert data["quota"] is None
    assert data["ranking"] == ["Ana", "Luis"]
    assert data["stages"][0]["votes"] == {"Ana": "7", "Luis": "3"}


def test_draws_render_without_a_seed_too() -> None:
    result = whole_vote_result()
    with_draw = CountResult(
        **{**result.__dict__, "draws": (Draw(1, "elect", ("Ana", "Luis"), "Ana"),)}
    )
    text = render_text(with_draw)
    assert "Ties decided by lot\n  Stage 1, elect: Ana, Luis -> Ana\n" in text
    assert "Seed:" not in text

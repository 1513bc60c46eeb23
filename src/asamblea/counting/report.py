"""Reports of a count: a stage-by-stage result sheet in text, and JSON.

The text report follows the shape of an official result sheet: a heading with the
quota and who was elected at which stage, then one table per stage saying what
happened, each candidate's transfer and total, the non-transferable votes and the
votes lost to rounding. JSON carries the same facts with every number as a
decimal string in plain notation ("0.000000000", never "0E-9"), so nothing is
lost to floating point. `to_dict` is the one serialiser of a `CountResult`: the
CLI prints it and the elections app publishes it on the record (without the
title), so a published count and `asamblea count --json` read the same.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from asamblea.counting.result import CountResult, Stage

METHOD_TITLES = {
    "stv-scottish": "Single transferable vote, Scottish rules (SSI 2007/42)",
    "stv-meek": "Single transferable vote, Meek's method",
    "irv": "Instant-runoff vote",
    "plurality": "Plurality (block vote)",
    "approval": "Approval vote",
    "schulze": "Schulze method",
}

NAME_WIDTH_MIN = 24


def to_dict(result: CountResult) -> dict[str, Any]:
    """The result as JSON-ready data: decimals as plain strings, names as in the ballot file."""
    return {
        "method": result.method,
        "title": result.title,
        "seats": result.seats,
        "quota": _text(result.quota),
        "valid_votes": _text(result.valid_votes),
        "candidates": list(result.candidates),
        "elected": [{"name": name, "stage": stage} for name, stage in result.elected],
        "stages": [
            {
                "number": stage.number,
                "kind": stage.kind,
                "action": stage.action,
                "subject": list(stage.subject),
                "votes": {name: _plain(value) for name, value in stage.votes.items()},
                "transfers": {name: _plain(value) for name, value in stage.transfers.items()},
                "non_transferable": _plain(stage.non_transferable),
                "rounding_loss": _plain(stage.rounding_loss),
                "elected": list(stage.elected),
                "excluded": list(stage.excluded),
                "notes": dict(stage.notes),
            }
            for stage in result.stages
        ],
        "seed": result.seed,
        "draws": [
            {
                "stage": draw.stage,
                "purpose": draw.purpose,
                "tied": list(draw.tied),
                "chosen": draw.chosen,
            }
            for draw in result.draws
        ],
        "ranking": list(result.ranking),
        "notes": dict(result.notes),
    }


def render_json(result: CountResult) -> str:
    """One JSON object (see `to_dict`), indented for people, ending with a newline."""
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"


def render_text(result: CountResult) -> str:
    """The result sheet as plain text, ready to print and pin on a wall."""
    places = _places(result)
    name_width = max([NAME_WIDTH_MIN, *(len(name) for name in result.candidates)])
    number_width = max(
        [12, *(len(_number(v, places)) for stage in result.stages for v in stage.votes.values())]
    )
    lines: list[str] = []
    heading = result.title or "Result of the count"
    lines += [heading, "=" * len(heading), ""]
    lines.append(f"Method:        {METHOD_TITLES.get(result.method, result.method)}")
    lines.append(f"Seats:         {result.seats}")
    lines.append(f"Valid votes:   {_number(result.valid_votes, 0)}")
    if result.quota is not None:
        lines.append(f"Quota:         {_number(result.quota, 0)}")
    lines.append("")
    lines.append("Elected")
    if not result.elected:
        lines.append("  (nobody)")
    for order, (name, stage_number) in enumerate(result.elected, start=1):
        lines.append(f"  {order}. {name:<{name_width}}  at stage {stage_number}")
    if result.ranking:
        lines += ["", "Ranking"]
        lines += [f"  {i}. {name}" for i, name in enumerate(result.ranking, start=1)]

    show_non_transferable = len(result.stages) > 1 or any(s.non_transferable for s in result.stages)
    show_rounding = any(s.rounding_loss for s in result.stages)
    elected_at = {name: stage for name, stage in result.elected}
    excluded_at = {name: s.number for s in result.stages for name in s.excluded}
    for index, stage in enumerate(result.stages):
        previous = result.stages[index - 1] if index else None
        lines += ["", *_stage_table(stage, places, name_width, number_width)]
        lines += _stage_rows(
            stage,
            previous,
            result.candidates,
            places,
            name_width,
            number_width,
            elected_at,
            excluded_at,
            show_non_transferable,
            show_rounding,
        )
        # Figures already in the table are not repeated; the rest explains the stage.
        for key, text in stage.notes.items():
            if key not in {"surplus", "non_transferable", "rounding_loss"}:
                lines.append(f"  Note ({key}): {text}")

    if result.draws or result.seed is not None:
        lines += ["", "Ties decided by lot"]
        if result.seed is not None:
            lines.append(f"  Seed: {result.seed} (count again with this seed to repeat the draws)")
        for draw in result.draws:
            tied = ", ".join(draw.tied)
            lines.append(f"  Stage {draw.stage}, {draw.purpose}: {tied} -> {draw.chosen}")
    if result.notes:
        lines += ["", "Notes"]
        lines += [f"  {key}: {text}" for key, text in result.notes.items()]
    return "\n".join(lines) + "\n"


def _stage_table(stage: Stage, places: int, name_width: int, number_width: int) -> list[str]:
    """The heading of one stage's table."""
    title = f"Stage {stage.number}: {stage.action}"
    surplus = stage.notes.get("surplus")
    if surplus is not None:
        title += f" ({_number(Decimal(surplus), places)})"
    elif stage.kind == "exclusion" and stage.subject:
        moved = sum((-stage.transfers.get(name, Decimal(0)) for name in stage.subject), Decimal(0))
        title += f" ({_number(moved, places)})"
    return [
        title,
        "-" * len(title),
        f"  {'Candidate':<{name_width}}  {'Transfer':>{number_width}}  "
        f"{'Votes':>{number_width}}  Status",
    ]


def _stage_rows(
    stage: Stage,
    previous: Stage | None,
    candidates: tuple[str, ...],
    places: int,
    name_width: int,
    number_width: int,
    elected_at: dict[str, int],
    excluded_at: dict[str, int],
    show_non_transferable: bool,
    show_rounding: bool,
) -> list[str]:
    """One row per candidate, then the non-transferable and rounding rows and the total."""
    rows: list[str] = []
    total = Decimal(0)
    for name in candidates:
        votes = stage.votes.get(name, Decimal(0))
        total += votes
        transfer = stage.transfers.get(name, Decimal(0))
        status = ""
        if name in elected_at and elected_at[name] <= stage.number:
            status = "ELECTED" if elected_at[name] == stage.number else "elected"
        elif name in excluded_at and excluded_at[name] <= stage.number:
            status = "EXCLUDED" if excluded_at[name] == stage.number else "excluded"
        rows.append(
            f"  {name:<{name_width}}  {_signed(transfer, places):>{number_width}}  "
            f"{_number(votes, places):>{number_width}}  {status}".rstrip()
        )
    if show_non_transferable:
        before = previous.non_transferable if previous else Decimal(0)
        change = stage.non_transferable - before
        total += stage.non_transferable
        rows.append(
            f"  {'Non-transferable':<{name_width}}  {_signed(change, places):>{number_width}}  "
            f"{_number(stage.non_transferable, places):>{number_width}}"
        )
    if show_rounding:
        before = previous.rounding_loss if previous else Decimal(0)
        change = stage.rounding_loss - before
        total += stage.rounding_loss
        rows.append(
            f"  {'Lost to rounding':<{name_width}}  {_signed(change, places):>{number_width}}  "
            f"{_number(stage.rounding_loss, places):>{number_width}}"
        )
    rows.append(
        f"  {'Total':<{name_width}}  {'':>{number_width}}  {_number(total, places):>{number_width}}"
    )
    return rows


def _places(result: CountResult) -> int:
    """Decimal places to print: the most any figure of the count carries."""
    places = 0
    for stage in result.stages:
        values = [*stage.votes.values(), *stage.transfers.values()]
        values += [stage.non_transferable, stage.rounding_loss]
        for value in values:
            # Every figure of a count is finite: the exponent is a number, never 'n' or 'F'.
            exponent = value.as_tuple().exponent
            places = max(places, -exponent if isinstance(exponent, int) else 0)
    return places


def _number(value: Decimal, places: int) -> str:
    return f"{value:,.{places}f}"


def _signed(value: Decimal, places: int) -> str:
    """A transfer: blank when nothing moved, otherwise with its sign."""
    if not value:
        return ""
    return f"{value:+,.{places}f}"


def _plain(value: Decimal) -> str:
    """A decimal in plain notation: the record's canonical form refuses exponents."""
    return format(value, "f")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else _plain(value)

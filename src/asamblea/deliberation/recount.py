"""Checks `asamblea record verify` runs on deliberation entries: every decision is re-decided.

Pure module (no Django import). Importing it registers the checks:

- "motion.vote_opened": remembers the seed commitment of a ranked vote.
- "motion.trackers": a secret vote's trackers; none may appear twice.
- "motion.counted": the tally is recomputed from the published roll call (each
  delegate's vote) or the anonymous ballot list, and the decision re-taken
  under the published rule with `rules.decide` (or `rules.decide_mandate`, or
  Schulze for ranked options with the committed seed); for a secret vote the
  papers must equal the trackers; for a council motion every delegate's
  compliance with their constituency's mandate is recomputed too. For a sealed
  secret vote (its "secrecy.*" entries checked by `asamblea.ballots.recount`), the
  sealed ballots cast are exactly those whose trackers are published, and the
  ballots counted are exactly the papers the proven decryption reads.
- "referendum.opened": remembers the scope (the tree under the council).
- "referendum.trackers": counts the trackers, part by part; none twice.
- "referendum.counted": the published units add up to the total, the papers
  equal the trackers and the voters; the pooling of small assemblies is
  recomputed from the turnout and the tree, every per-body row from the units,
  and the decision from the total. A sealed referendum's box is opened one unit
  at a time ("secrecy.*" entries with a "part"): the sealed ballots cast are the
  published trackers, and each unit's tally is what its part's decryption reads.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from asamblea import hooks
from asamblea.ballots.recount import SealedVote, sealed_vote
from asamblea.deliberation import rules

# The same commitment as the elections app: one rule for every lot in the federation.
from asamblea.elections.recount import seed_commitment
from asamblea.errors import VerificationFailed
from asamblea.record.verify import CheckContext

_STATE = "deliberation"


def _state(context: CheckContext) -> dict[str, Any]:
    state: dict[str, Any] = context.state.setdefault(_STATE, {"motions": {}, "referendums": {}})
    return state


def _motion(context: CheckContext, motion: Any) -> dict[str, Any]:
    motions: dict[Any, dict[str, Any]] = _state(context)["motions"]
    return motions.setdefault(motion, {"commitment": None, "trackers": None})


def _referendum(context: CheckContext, referendum: Any) -> dict[str, Any]:
    referendums: dict[Any, dict[str, Any]] = _state(context)["referendums"]
    return referendums.setdefault(referendum, {"tree": None, "trackers": set()})


def check_vote_opened(entry: Mapping[str, Any], context: CheckContext) -> None:
    if "seed_commitment" in entry:
        _motion(context, entry["motion"])["commitment"] = entry["seed_commitment"]


def check_motion_trackers(entry: Mapping[str, Any], context: CheckContext) -> None:
    trackers = list(entry["trackers"])
    if len(set(trackers)) != len(trackers):
        raise VerificationFailed("a tracker is published twice")
    state = _motion(context, entry["motion"])
    state["trackers"] = len(trackers)
    state["tracker_set"] = set(trackers)


def _differs(what: str, recomputed: Any, published: Any) -> VerificationFailed:
    return VerificationFailed(f"recounting gives {what} {recomputed!r}, published {published!r}")


def _choices(entry: Mapping[str, Any]) -> list[Any]:
    """Every counted vote: from the roll call, or from the anonymous ballot list."""
    if entry["roll_call"]:
        if entry["ballots"]:
            raise VerificationFailed("a roll call publishes each vote, not a ballot list")
        return [vote["vote"] for vote in entry["votes"]]
    choices: list[Any] = []
    for ballot in entry["ballots"]:
        count = ballot["count"]
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise VerificationFailed(f"a ballot count of {count!r}")
        value = ballot["ranking"] if "ranking" in ballot else ballot["choice"]
        choices += [value] * count
    return choices


def check_motion_counted(entry: Mapping[str, Any], context: CheckContext) -> None:
    state = _motion(context, entry["motion"])
    published = entry["result"]
    choices = _choices(entry)
    if entry["secret"]:
        if state["trackers"] is None:
            raise VerificationFailed("a secret vote counted without its trackers published")
        on_paper = _paper_choices(entry)
        if len(choices) != state["trackers"] + len(on_paper):
            raise VerificationFailed(
                f"the ballot list has {len(choices)} papers but {state['trackers']} trackers "
                f"were published and {len(on_paper)} paper ballots entered in the room"
            )
        online = _without(choices, on_paper)
        sealed = sealed_vote(context, "motion", entry["motion"])
        if sealed is not None and "room" not in entry:
            _check_sealed(entry, sealed, state.get("tracker_set", set()), online)
    seats, members = entry["seats"], entry["members"]
    electorate = rules.Electorate(seats, members)
    rule = rules.Rule.from_json(entry["rule"])
    kind = entry["kind"]
    if kind == "options":
        commitment = state["commitment"]
        if commitment is not None and seed_commitment(entry["seed"]) != commitment:
            raise VerificationFailed(
                "the seed of the count is not the one committed to at the opening"
            )
        rankings = Counter(tuple(c) for c in choices)
        recounted = rules.count_options(entry["options"], rankings, entry["seed"])
        for key in ("ranking", "winner", "papers"):
            if recounted[key] != published.get(key):
                raise _differs(key, recounted[key], published.get(key))
        quorum = rule.quorum.required(electorate)
        passed = recounted["papers"] >= quorum and recounted["winner"] is not None
        if passed != published["passed"]:
            raise _differs("passed", passed, published["passed"])
        return
    if kind == "mandate":
        decision = rules.decide_mandate(Counter(map(str, choices)), electorate, rule.quorum)
        mine = decision.to_json()
        for key in ("instruction", "votes", "quorum_required", "present"):
            if mine[key] != published.get(key):
                raise _differs(key, mine[key], published.get(key))
        return
    tally = rules.Tally.of(map(str, choices))
    mine = rules.decide(tally, electorate, rule).to_json()
    for key, value in mine.items():
        if published.get(key) != value:
            raise _differs(key, value, published.get(key))
    if "compliance" in entry:
        _check_compliance(entry)


def _paper_choices(entry: Mapping[str, Any]) -> list[Any]:
    """The paper ballots of a vote taken to paper in a room, as published apart ("read");
    their figures are checked by the meetings app's check (`asamblea.meetings.recount`)."""
    paper = entry.get("paper")
    if paper is None:
        return []
    on_paper = _choices({"roll_call": False, "ballots": paper.get("read", [])})
    if paper.get("ballots") != len(on_paper):
        raise VerificationFailed(
            f"{paper.get('ballots')!r} paper ballots counted, but {len(on_paper)} are published"
        )
    return on_paper


def _without(choices: list[Any], taken: list[Any]) -> list[Any]:
    """`choices` less the ballots of `taken` (each must be among them)."""
    left = Counter(tuple(c) if isinstance(c, list) else c for c in choices)
    gone = Counter(tuple(c) if isinstance(c, list) else c for c in taken)
    if gone - left:
        raise VerificationFailed("the paper ballots published are not among the ballots counted")
    rest = left - gone
    return [list(c) if isinstance(c, tuple) else c for c in rest.elements()]


def _check_sealed(
    entry: Mapping[str, Any], sealed: SealedVote, trackers: set[str], choices: list[Any]
) -> None:
    """A sealed secret vote counts exactly what its box held and the proven decryption read."""
    if sealed.cast is None or not sealed.opened:
        raise VerificationFailed("the sealed ballots are counted before the box is opened")
    if set(sealed.trackers) != trackers:
        raise VerificationFailed(
            f"{len(sealed.trackers)} sealed ballots cast, but the published trackers "
            f"({len(trackers)}) are not theirs"
        )
    if sealed.readings is None:
        raise VerificationFailed("the sealed ballots of a secret vote are never decrypted")
    ranked = entry["kind"] == "options"
    if ranked and sealed.choices != [str(o) for o in entry["options"]]:
        raise VerificationFailed("the vote's options are not the choices the ballots sealed")
    read: Counter[Any] = Counter()
    for reading in sealed.readings:
        if reading is None or not reading or any(not 0 <= i < len(sealed.choices) for i in reading):
            continue  # an invalid paper is not counted
        if ranked:
            read[tuple(sealed.choices[i] for i in reading)] += 1
        elif len(reading) == 1:
            read[sealed.choices[reading[0]]] += 1
    counted = Counter(tuple(c) if isinstance(c, list) else c for c in choices)
    if read != counted:
        raise VerificationFailed(
            "the ballots counted are not the papers the proven decryption of the box reads"
        )


def _check_compliance(entry: Mapping[str, Any]) -> None:
    mandates: Mapping[str, str] = entry["mandates"]
    voted = {vote["seat"]: vote["vote"] for vote in entry["votes"]}
    listed = set()
    for row in entry["compliance"]:
        listed.add(row["seat"])
        mandate = mandates.get(row["from"])
        if mandate is None or mandate != row["mandate"]:
            raise VerificationFailed(
                f"seat {row['seat']} is compared with a mandate {row['mandate']!r} that "
                f"{row['from']!r} did not give"
            )
        if voted.get(row["seat"]) != row["vote"]:
            raise _differs(f"seat {row['seat']}'s vote", voted.get(row["seat"]), row["vote"])
        mine = rules.compliance(mandate, row["vote"]).value
        if mine != row["compliance"]:
            raise _differs(f"seat {row['seat']}'s compliance", mine, row["compliance"])
    for vote in entry["votes"]:
        if vote["from"] in mandates and vote["seat"] not in listed:
            raise VerificationFailed(
                f"seat {vote['seat']} voted under a mandate of {vote['from']!r} but is not "
                "compared with it"
            )


def check_referendum_opened(entry: Mapping[str, Any], context: CheckContext) -> None:
    state = _referendum(context, entry["referendum"])
    state["tree"] = entry["tree"]
    state["council"] = entry["council"]
    state["electorate"] = entry["electorate"]
    state["min_voters"] = entry["min_voters"]


def check_referendum_trackers(entry: Mapping[str, Any], context: CheckContext) -> None:
    trackers: set[str] = _referendum(context, entry["referendum"])["trackers"]
    for tracker in entry["trackers"]:
        if tracker in trackers:
            raise VerificationFailed(f"tracker {tracker} is published twice")
        trackers.add(tracker)


def check_referendum_counted(entry: Mapping[str, Any], context: CheckContext) -> None:
    state = _referendum(context, entry["referendum"])
    if state["tree"] is None:
        raise VerificationFailed("a referendum counted without its opening on the record")
    if entry["electorate"] != state["electorate"] or entry["min_voters"] != state["min_voters"]:
        raise VerificationFailed("the electorate or the minimum per row changed since the opening")
    turnout = {
        body: rules.Turnout(people, voted) for body, (people, voted) in entry["turnout"].items()
    }
    voted = sum(t.voted for t in turnout.values())
    people = sum(t.electorate for t in turnout.values())
    if people != entry["electorate"]:
        raise _differs("people on the roll", people, entry["electorate"])
    units = {name: rules.Tally(**tally) for name, tally in entry["units"].items()}
    total = sum(units.values(), rules.Tally())
    papers = len(state["trackers"])
    if total.present != papers:
        raise VerificationFailed(
            f"the units hold {total.present} ballots but {papers} trackers were published"
        )
    if voted != papers:
        raise VerificationFailed(f"{voted} people voted but {papers} trackers were published")
    tree = rules.ScopeTree(state["council"], state["tree"])
    unit_of = rules.reporting_units(turnout, tree, entry["min_voters"])
    if set(unit_of.values()) != set(units):
        raise _differs("the rows published", sorted(set(unit_of.values())), sorted(units))
    for unit, tally in units.items():
        expected = sum(turnout[b].voted for b, u in unit_of.items() if u == unit)
        if tally.present != expected:
            raise VerificationFailed(
                f"row {unit!r} holds {tally.present} ballots but {expected} people voted in it"
            )
    rows = rules.table(turnout, units, unit_of, tree)
    for body, row in rows.items():
        mine = row.to_json()
        theirs = entry["rows"].get(str(body))
        if mine != theirs:
            raise _differs(f"the row of {body!r}", mine, theirs)
    decision = rules.decide(
        total,
        rules.Electorate.of_assembly(entry["electorate"]),
        rules.Rule.from_json(entry["rule"]),
    )
    for key, value in decision.to_json().items():
        if entry["result"].get(key) != value:
            raise _differs(key, value, entry["result"].get(key))
    sealed = sealed_vote(context, "referendum", entry["referendum"])
    if sealed is not None:
        _check_sealed_referendum(sealed, state["trackers"], units)


def _check_sealed_referendum(
    sealed: SealedVote, trackers: set[str], units: Mapping[str, rules.Tally]
) -> None:
    """A sealed referendum's box, opened one published unit at a time: every ballot cast
    is one of the published trackers (and every tracker a ballot cast), and each unit's
    published tally is exactly what the proven decryption of its part reads."""
    if sealed.choices != [c.value for c in rules.Choice]:
        raise VerificationFailed("the ballots seal other choices than yes, no and abstain")
    cast = {t for part in sealed.parts.values() for t in part.trackers}
    if cast != trackers or sum(len(p.trackers) for p in sealed.parts.values()) != len(cast):
        raise VerificationFailed(
            f"{len(cast)} sealed ballots cast, but the published trackers ({len(trackers)}) "
            "are not theirs"
        )
    for name in set(sealed.parts) | set(units):
        part = sealed.parts.get(name)
        tally = units.get(name, rules.Tally())
        if part is None:
            if tally.present:
                raise VerificationFailed(f"{name!r}: votes counted from no part of the box")
            continue
        if part.cast is None or not part.opened or part.readings is None:
            raise VerificationFailed(f"{name!r}: the part of the box is never opened and read")
        answers = [
            sealed.choices[r[0]]
            for r in part.readings
            if r is not None and len(r) == 1 and 0 <= r[0] < len(sealed.choices)
        ]
        if rules.Tally.of(answers) != tally:
            raise VerificationFailed(
                f"{name!r}: the tally is not what the proven decryption of its ballots reads"
            )


hooks.verify_check.add("motion.vote_opened", check_vote_opened)
hooks.verify_check.add("motion.trackers", check_motion_trackers)
hooks.verify_check.add("motion.counted", check_motion_counted)
hooks.verify_check.add("referendum.opened", check_referendum_opened)
hooks.verify_check.add("referendum.trackers", check_referendum_trackers)
hooks.verify_check.add("referendum.counted", check_referendum_counted)

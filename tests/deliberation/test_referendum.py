"""A referendum across the Peru demo tree: every member counted once, per-body results
that add up, and a public record that recounts it (and fails when a ballot is changed)."""

from __future__ import annotations

import io
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from asamblea.deliberation import recount as _registers_checks  # noqa: F401
from asamblea.deliberation import rules, services
from asamblea.deliberation.models import Motion, ReferendumBallot, ReferendumRoll, Resolution
from asamblea.errors import Conflict
from asamblea.federation.demo import load_demo
from asamblea.federation.models import Body, Federation, Membership
from asamblea.record.checkpoint import Ed25519Signer
from asamblea.record.export import MemoryLog
from asamblea.record.models import Entry
from asamblea.record.verify import LogVerificationFailed, verify_lines
from deliberation.helpers import admin, entries, seat_delegates
from support.sealed import referendum_ballot_says

pytestmark = pytest.mark.django_db
SIGNER = Ed25519Signer.generate()
CHOICES = ["yes", "yes", "no", "abstain", "yes", "no", "yes"]


def users_named(prefix: str) -> list:
    return list(get_user_model().objects.filter(username__startswith=prefix).order_by("username"))


@pytest.fixture
def peru() -> Federation:
    load_demo(members_per_body=(4, 7), seed=7)
    return Federation.objects.get(slug="peru")


def national_motion(federation: Federation) -> Motion:
    """A motion tabled in the national assembly by two delegates elected up from
    a district of Huamanga (base -> province -> region -> national)."""
    base = "distrito-050101-ayacucho"
    delegates = users_named(f"miembro-{base}-")[:2]
    seat_delegates(federation, base, "provincia-huamanga", delegates)
    seat_delegates(federation, "provincia-huamanga", "region-ayacucho", delegates)
    seat_delegates(federation, "region-ayacucho", "nacional", delegates)
    national = Body.objects.get(federation=federation, slug="nacional")
    motion = services.do_propose_motion(
        delegates[0],
        national,
        title="Nueva constitución",
        text="Convocar una asamblea constituyente popular.",
    )
    return services.do_second_motion(delegates[1], motion)


def open_referendum(federation: Federation):
    motion = national_motion(federation)
    return services.do_open_referendum(
        admin(), motion, closes_at=timezone.now() + timedelta(days=2)
    )


def vote_everyone(referendum) -> dict[int, str]:
    """Every member with a login votes (people in two assemblies through the second
    one); returns person id -> choice."""
    voted: dict[int, str] = {}
    for number, user in enumerate(users_named("miembro-")):
        bodies = services.referendum_bodies_of(user, referendum)
        if not bodies:
            continue
        choice = CHOICES[number % len(CHOICES)]
        services.do_cast_referendum_ballot(user, referendum, choice, body=bodies[-1])
        voted[user.person.pk] = choice
    return voted


def export(federation: Federation, change=None) -> list[str]:
    """The federation's log as a signed export, each entry passed through `change`:
    what a dishonest operator could publish under a valid signature."""
    log = MemoryLog(federation.slug)
    for payload in (
        Entry.objects.filter(federation=federation)
        .order_by("index")
        .values_list("payload", flat=True)
    ):
        data = json.loads(payload)
        log.append(change(data) if change else data)
    log.issue_checkpoint(SIGNER, datetime(2030, 1, 1, tzinfo=UTC))
    out = io.StringIO()
    log.write(out)
    return out.getvalue().splitlines(keepends=True)


def test_every_member_counts_once_and_the_rows_add_up(peru, settings):
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    referendum = open_referendum(peru)
    national = Body.objects.get(federation=peru, slug="nacional")
    # The roll: every verified member under the national assembly, once.
    assert referendum.electorate == national.verified_members
    in_two = [
        person
        for person, n in Counter(
            Membership.objects.filter(
                body__federation=peru, status=Membership.Status.VERIFIED
            ).values_list("person_id", flat=True)
        ).items()
        if n > 1
    ]
    assert len(in_two) >= 5, "the demo has people in a sector body and a district"
    voted = vote_everyone(referendum)
    two_body_voters = [p for p in in_two if p in voted]
    assert two_body_voters
    # Voting again, through either assembly, is refused: one person, one vote.
    someone = get_user_model().objects.get(person__pk=two_body_voters[0])
    for other in services.referendum_bodies_of(someone, referendum):
        with pytest.raises(Conflict, match="already voted"):
            services.do_cast_referendum_ballot(someone, referendum, "no", body=other)
    assert ReferendumBallot.objects.filter(referendum=referendum).count() == len(voted)

    # Attribution in the database matches the pure rule.
    memberships: dict[int, list[str]] = defaultdict(list)
    for person, slug in (
        Membership.objects.filter(
            body__slug__in=referendum.scope["bases"],
            body__federation=peru,
            status=Membership.Status.VERIFIED,
        )
        .order_by("id")
        .values_list("person_id", "body__slug")
    ):
        memberships[person].append(slug)
    voted_in = dict(
        ReferendumRoll.objects.filter(referendum=referendum, voted_body__isnull=False).values_list(
            "person_id", "voted_body__slug"
        )
    )
    expected = rules.turnout_by_body(rules.attribute_people(memberships, voted_in), voted_in)
    assert services.turnout_by_base(referendum) == expected

    referendum = services.do_close_referendum(admin(), referendum)
    result = referendum.result
    tally = Counter(voted.values())
    assert (result["yes"], result["no"], result["abstain"]) == (
        tally["yes"],
        tally["no"],
        tally["abstain"],
    )
    assert result["voted"] == len(voted) and result["electorate"] == referendum.electorate
    # The published units add up to the total; the bases' turnout to the roll.
    units = [rules.Tally(**t) for t in result["units"].values()]
    assert sum(units, rules.Tally()) == rules.Tally(tally["yes"], tally["no"], tally["abstain"])
    rows = result["rows"]
    bases = referendum.scope["bases"]
    assert sum(rows[b]["electorate"] for b in bases if b in rows) == referendum.electorate
    assert rows["nacional"]["tally"] == {k: tally[k] for k in ("yes", "no", "abstain")}
    # Each region's row adds up the provinces below it.
    tree = referendum.scope["tree"]
    for region in tree["nacional"]:
        below = [rows[p]["voted"] for p in tree.get(region, []) if p in rows]
        assert rows.get(region, {"voted": 0})["voted"] == sum(below)
    # No published row shows fewer than the minimum of voters.
    for unit, t in result["units"].items():
        assert sum(t.values()) >= 3 or unit == "pool:nacional"
    motion = Motion.objects.get(pk=referendum.motion_id)
    assert motion.status == (Motion.Status.PASSED if result["passed"] else Motion.Status.REJECTED)
    if result["passed"]:
        assert Resolution.objects.filter(motion=motion).exists()

    # The record verifies, re-deciding the referendum from what it publishes.
    report = verify_lines(export(peru))
    assert report.checked["referendum.counted"] == 1
    assert report.checked["referendum.trackers"] >= 1
    (opened,) = entries(peru, "referendum.opened")
    assert opened["electorate"] == referendum.electorate


def _move_one_ballot(entry):
    """Turn one published yes into a no, in the first unit that has a yes."""
    if entry["type"] == "referendum.counted":
        for tally in entry["units"].values():
            if tally["yes"]:
                tally["yes"] -= 1
                tally["no"] += 1
                break
    return entry


def _add_one_ballot(entry):
    if entry["type"] == "referendum.counted":
        first = next(iter(entry["units"].values()))
        first["yes"] += 1
    return entry


def _claim_the_other_result(entry):
    if entry["type"] == "referendum.counted":
        entry["result"]["passed"] = not entry["result"]["passed"]
    return entry


def _drop_a_tracker(entry):
    if entry["type"] == "referendum.trackers" and entry["trackers"]:
        entry["trackers"] = entry["trackers"][1:]
    return entry


def _shift_a_row(entry):
    if entry["type"] == "referendum.counted":
        row = entry["rows"]["region-ayacucho"]
        row["voted"] += 1
    return entry


TAMPERING = [
    (_move_one_ballot, "recounting gives"),
    (_add_one_ballot, "trackers were published"),
    (_drop_a_tracker, "trackers were published"),
    (_claim_the_other_result, "passed"),
    (_shift_a_row, "region-ayacucho"),
]


def test_a_tampered_referendum_fails_verification(peru, settings):
    """A changed ballot, an added one, a dropped tracker, a reversed result or a changed
    row, each signed as if honest, and each caught by the recount."""
    settings.ELECTION_MIN_VOTERS_FOR_BREAKDOWN = 3
    referendum = open_referendum(peru)
    vote_everyone(referendum)
    services.do_close_referendum(admin(), referendum)
    verify_lines(export(peru))  # the honest record verifies
    for change, message in TAMPERING:
        with pytest.raises(LogVerificationFailed, match=message):
            verify_lines(export(peru, change))
    lines = export(peru)
    for number, line in enumerate(lines):
        if '"type":"referendum.counted"' in line:
            # Edited in the file without re-signing: caught by the entry's own hash.
            lines[number] = line.replace('"yes":', '"yes":1', 1)
            break
    with pytest.raises(LogVerificationFailed, match="leaf hash"):
        verify_lines(lines)


def small_referendum(federation):
    """A referendum of province A1 (bases 1, 2 and union 1) on a motion of its delegates."""
    from deliberation.helpers import member
    from support.factories import body

    users = [member(federation, "base-1", f"b1-{n}") for n in range(3)]
    users += [member(federation, "base-2", f"b2-{n}") for n in range(2)]
    seat_delegates(federation, "base-1", "prov-a1", users[:2])
    motion = services.do_propose_motion(users[0], body(federation, "prov-a1"), title="T", text="x")
    services.do_second_motion(users[1], motion)
    referendum = services.do_open_referendum(
        admin(), motion, closes_at=timezone.now() + timedelta(hours=5)
    )
    return referendum, users


def test_turnout_is_live_results_wait_and_a_code_replaces_a_ballot(federation):
    referendum, users = small_referendum(federation)
    receipt = services.do_cast_referendum_ballot(users[0], referendum, "yes")
    turnout = services.turnout_by_base(referendum)
    assert sum(t.voted for t in turnout.values()) == 1 and referendum.result is None
    with pytest.raises(Conflict, match="sealed"):
        services.count_referendum(referendum)  # the ballots are read only at the close
    with pytest.raises(Conflict, match="already voted"):
        services.do_cast_referendum_ballot(users[0], referendum, "no")
    again = services.do_cast_referendum_ballot(
        users[0], referendum, "no", ballot_code=receipt.ballot_code
    )
    assert again.replaced and again.tracker == receipt.tracker
    assert [
        referendum_ballot_says(b) for b in ReferendumBallot.objects.filter(referendum=referendum)
    ] == ["no"]


def test_the_tick_closes_a_referendum_on_time_and_reshuffles_before(federation):
    from asamblea.deliberation.scheduler import advance_deliberation

    referendum, users = small_referendum(federation)
    for user in users:
        services.do_cast_referendum_ballot(user, referendum, "yes")
    assert advance_deliberation(timezone.now()) == 1  # the ballots are rewritten
    assert advance_deliberation(timezone.now()) == 0  # nothing new: nothing to do
    assert advance_deliberation(referendum.closes_at + timedelta(seconds=1)) == 1
    referendum.refresh_from_db()
    assert referendum.status == "closed" and referendum.result["yes"] == len(users)
    # The motion was tabled: the members decided it, and it is now a resolution.
    assert Resolution.objects.filter(motion=referendum.motion).exists()


def test_a_large_referendums_live_turnout_is_counted_once_every_few_seconds(
    federation, monkeypatch
):
    from django.core.cache import cache

    referendum, users = small_referendum(federation)
    monkeypatch.setattr(services.referendums, "LIVE_CACHE_FROM", 1)  # treat it as large
    cache.clear()
    assert services.live_turnout_rows(referendum)["prov-a1"]["voted"] == 0
    services.do_cast_referendum_ballot(users[0], referendum, "yes")
    assert services.live_turnout_rows(referendum)["prov-a1"]["voted"] == 0  # cached
    cache.clear()
    rows = services.live_turnout_rows(referendum)
    assert rows["prov-a1"]["voted"] == 1 and rows["base-1"]["voted"] == 1
    assert all(row["tally"] is None for row in rows.values())  # never choices while open

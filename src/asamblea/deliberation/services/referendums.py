"""Referendums: a council sends a motion to every verified member below it; one secret
ballot each, counted per member and published per body."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.ballots.box import (
    BallotBox,
    CastReceipt,
    already_voted,
    lock_for_casting,
    min_voters_for_breakdown,
    reshuffle_due,
)
from asamblea.ballots.models import BallotKey
from asamblea.ballots.sealing import forget_key_on_commit, key_facts, open_box, secrecy_facts
from asamblea.deliberation import rules
from asamblea.deliberation.models import (
    Motion,
    Referendum,
    ReferendumBallot,
    ReferendumRoll,
    Resolution,
)
from asamblea.deliberation.services._common import (
    BLOCKING_AMENDMENT,
    _adopt,
    _aware,
    _lock,
    _set_rule,
    rule_of,
)
from asamblea.deliberation.services.sealed import (
    open_referendum_key,
    referendum_key,
    referendum_paper,
    seal_referendum_choice,
)
from asamblea.errors import Conflict, InvalidInput, PermissionDenied
from asamblea.federation.membership import User, person_of, public_row
from asamblea.federation.models import Body, Federation, Membership
from asamblea.federation.services import Graph, require_officer
from asamblea.record.services import Event, append_entries

# Trackers are published in entries of this many, so a million-member referendum
# makes a hundred entries rather than one of 64 MB.
TRACKERS_PER_ENTRY = 10_000


def access_referendum(user: User, federation: Federation, referendum_id: int) -> Referendum:
    """A referendum's public facts (its live turnout included): public."""
    missing = _("There is no referendum number %(id)s.") % {"id": referendum_id}
    referendums = Referendum.objects.select_related("motion", "council__federation")
    return public_row(referendums, missing, federation=federation, pk=referendum_id)


def _scope(council: Body) -> tuple[dict[str, list[str]], list[Body]]:
    """The council's tree within scope as {council slug: [child slugs]}, and its bases."""
    graph = Graph(council.federation)
    below = graph.descendants(council.pk) | {council.pk}
    bodies = {
        b.pk: b
        for b in Body.objects.filter(pk__in=below)
        .exclude(kind=Body.Kind.COMMAND)
        .only("pk", "slug", "kind")
    }
    tree: dict[str, list[str]] = {}
    for body_id, body in bodies.items():
        children = sorted(bodies[c].slug for c in graph.down.get(body_id, ()) if c in bodies)
        if children:
            tree[body.slug] = children
    bases = sorted((b for b in bodies.values() if b.kind == Body.Kind.BASE), key=lambda b: b.slug)
    return tree, bases


def _freeze_referendum_roll(referendum: Referendum, base_ids: list[int]) -> int:
    """Every verified member of a base in scope, once, with the assembly they joined first."""
    if not base_ids:
        return 0
    roll = ReferendumRoll._meta.db_table
    membership = Membership._meta.db_table
    marks = ", ".join(["%s"] * len(base_ids))
    insert = "INSERT INTO {roll} (referendum_id, person_id, home_body_id, voted_body_id) "
    if connection.vendor == "postgresql":
        # One sorted pass: each person's first membership (DISTINCT ON), 4x faster
        # than grouping for the minimum and joining back at a million members.
        select = (
            "SELECT %s, person_id, body_id, NULL FROM (SELECT DISTINCT ON (person_id) "
            "person_id, body_id FROM {membership} WHERE status = %s AND body_id IN ({marks}) "
            "ORDER BY person_id, id) AS first_joined"
        )
    else:
        select = (
            "SELECT %s, m.person_id, m.body_id, NULL FROM {membership} m WHERE m.id IN ("
            "SELECT MIN(m2.id) FROM {membership} m2 WHERE m2.status = %s "
            "AND m2.body_id IN ({marks}) GROUP BY m2.person_id)"
        )
    # Only table names and placeholders are formatted in; the values are parameters.
    sql = (insert + select).format(roll=roll, membership=membership, marks=marks)
    with connection.cursor() as cursor:
        cursor.execute(sql, [referendum.pk, Membership.Status.VERIFIED, *base_ids])
        return int(cursor.rowcount)


@transaction.atomic
def do_open_referendum(
    actor: User,
    motion: Motion,
    *,
    closes_at: datetime,
    threshold: str | None = None,
    quorum_basis: str | None = None,
    quorum_share: str | None = None,
    quorum_strict: bool | None = None,
    now: datetime | None = None,
) -> Referendum:
    """An officer of a council sends a tabled (or passed) motion to every member below."""
    now = now or timezone.now()
    motion = _lock(motion)
    council = motion.body
    require_officer(actor, council)
    if council.kind != Body.Kind.COUNCIL or motion.kind != Motion.Kind.MOTION:
        raise InvalidInput(_("A council sends its own motions to a referendum."))
    if motion.status not in (Motion.Status.TABLED, Motion.Status.PASSED):
        raise Conflict(_("Only a tabled or a passed motion can go to the members."))
    if Referendum.objects.filter(motion=motion).exists():
        raise Conflict(_("This motion has already gone to the members."))
    if motion.amendments.filter(status__in=BLOCKING_AMENDMENT).exists():
        raise Conflict(_("Vote on its tabled amendments first: amendments come before the motion."))
    closes = _aware(closes_at, now)
    assert closes is not None
    tree, bases = _scope(council)
    referendum = Referendum(
        federation=council.federation,
        motion=motion,
        council=council,
        ratifies=motion.status == Motion.Status.PASSED,
        min_voters=min_voters_for_breakdown(),
        opened_by=actor if actor.is_authenticated else None,
        opened_at=now,
        closes_at=closes,
        scope={"tree": tree, "bases": [b.slug for b in bases]},
    )
    _set_rule(referendum, threshold, quorum_basis, quorum_share, quorum_strict)
    referendum.save()
    referendum.electorate = _freeze_referendum_roll(referendum, [b.pk for b in bases])
    referendum.save(update_fields=["electorate"])
    if motion.status == Motion.Status.TABLED:
        motion.status = Motion.Status.REFERENDUM
        motion.save(update_fields=["status"])
    append_entries(
        council.federation,
        [
            Event(
                "referendum.opened",
                {
                    "referendum": referendum.pk,
                    "motion": motion.pk,
                    "council": council.slug,
                    "title": motion.title,
                    "text": motion.text,
                    "ratifies": referendum.ratifies,
                    "rule": rule_of(referendum).to_json(),
                    "min_voters": referendum.min_voters,
                    "electorate": referendum.electorate,
                    "tree": tree,
                    "closes_at": closes.isoformat(),
                },
                body=council,
            ),
            Event(
                "secrecy.key",
                {
                    "referendum": referendum.pk,
                    "body": council.slug,
                    **key_facts(open_referendum_key(referendum)),
                },
                body=council,
            ),
        ],
    )
    return referendum


def referendum_bodies_of(user: User, referendum: Referendum) -> list[Body]:
    """The assemblies in scope through which this user may vote (verified there now)."""
    person = person_of(user, referendum.federation)
    if person is None:
        return []
    memberships = Membership.objects.filter(
        person=person,
        status=Membership.Status.VERIFIED,
        body__federation=referendum.federation,
        body__slug__in=referendum.scope.get("bases", []),
    )
    return [m.body for m in memberships.select_related("body").order_by("id")]


def do_cast_referendum_ballot(
    actor: User,
    referendum: Referendum,
    choice: str,
    *,
    body: Body | None = None,
    ballot_code: str | None = None,
    now: datetime | None = None,
    form_token: str = "",
) -> CastReceipt:
    """A member votes once, through one of their assemblies (counted there); the ballot
    code (drawn from the form's one-time token `form_token` when there is one) replaces
    the ballot before the close."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _cast_referendum(actor, referendum, choice, body, ballot_code, now, form_token)
    except IntegrityError:
        raise already_voted() from None


def _cast_referendum(
    actor: User,
    referendum: Referendum,
    choice: str,
    body: Body | None,
    ballot_code: str | None,
    now: datetime,
    form_token: str,
) -> CastReceipt:
    if not actor.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    lock_for_casting(Referendum, referendum.pk)
    referendum = Referendum.objects.get(pk=referendum.pk)
    if referendum.status != Referendum.Status.VOTING or now >= referendum.closes_at:
        raise Conflict(_("This referendum is closed: no more ballots are taken."))
    if choice not in {c.value for c in rules.Choice}:
        raise InvalidInput(_("Choose yes, no or abstain."))
    person = person_of(actor, referendum.federation)
    entry = (
        ReferendumRoll.objects.filter(referendum=referendum, person=person).first()
        if person is not None
        else None
    )
    if person is None or entry is None:
        raise PermissionDenied(
            _(
                "You are not on the roll of this referendum: it holds the verified members of the "
                "assemblies under %(council)s when it opened."
            )
            % {"council": referendum.council.name}
        )
    box = BallotBox(ReferendumBallot, referendum)
    if ballot_code:
        return box.replace(
            person.pk, ballot_code, form_token=form_token, **_content(referendum, choice)
        )
    mine = referendum_bodies_of(actor, referendum)
    if not mine:
        raise PermissionDenied(
            _("You are no longer a verified member of an assembly in this referendum.")
        )
    where = body if body is not None else mine[0]
    if where.pk not in {b.pk for b in mine}:
        raise PermissionDenied(
            _("You can vote only through an assembly you are a verified member of.")
        )
    # The update is the one-person-one-vote guard: only a roll entry not yet voted changes.
    if not ReferendumRoll.objects.filter(pk=entry.pk, voted_body__isnull=True).update(
        voted_body=where
    ):
        raise already_voted()
    return box.cast(
        person.pk, form_token=form_token, body_id=where.pk, **_content(referendum, choice)
    )


def _content(referendum: Referendum, choice: str) -> dict[str, Any]:
    """The ballot's columns: in a sealed referendum the choice sealed here, alone (no
    plaintext reaches the database); in one opened before sealing, the choice."""
    key = referendum_key(referendum)
    if key is None:
        return {"choice": choice}
    return {"choice": "", "sealed": seal_referendum_choice(key, choice)}


def referendum_cast_from_form(
    user: User, referendum: Referendum, form_token: str, ballot_code: str | None = None
) -> CastReceipt | None:
    """The receipt of the ballot the user cast (or, with `ballot_code`, replaced) in the
    referendum from the form `form_token` (sent again after its answer was lost), or
    None if that form did neither."""
    person = person_of(user, referendum.federation)
    if person is None:
        return None
    return BallotBox(ReferendumBallot, referendum).cast_from_form(
        person.pk, form_token, ballot_code
    )


def has_voted_in_referendum(user: User, referendum: Referendum) -> bool:
    person = person_of(user, referendum.federation)
    return (
        person is not None
        and ReferendumRoll.objects.filter(
            referendum=referendum, person=person, voted_body__isnull=False
        ).exists()
    )


def referendum_turnout(referendum: Referendum) -> dict[int, rules.Turnout]:
    """Per base (id): the people counted there (where they voted, else where they joined
    first) and how many of them voted. One grouped query."""
    rows = (
        ReferendumRoll.objects.filter(referendum=referendum)
        .annotate(counted_in=Coalesce("voted_body_id", "home_body_id"))
        .values("counted_in")
        .annotate(people=Count("id"), voted=Count("voted_body_id"))
        .order_by()
    )
    return {r["counted_in"]: rules.Turnout(r["people"], r["voted"]) for r in rows}


LIVE_TURNOUT_SECONDS = 5
# Below this many people the turnout is counted afresh for every request (it is cheap).
LIVE_CACHE_FROM = 20_000


def live_turnout_rows(referendum: Referendum) -> dict[str, dict[str, Any]]:
    """Per body (slug): people counted there and how many voted, for the live page.

    Never choices. In a large referendum kept a few seconds in the cache, so a
    country of phones polling it costs one count every few seconds, not one a poll.
    """
    key = f"asamblea-referendum-live-{referendum.pk}-{referendum.opened_at.timestamp()}"
    large = referendum.electorate >= LIVE_CACHE_FROM
    rows: dict[str, dict[str, Any]] | None = cache.get(key) if large else None
    if rows is not None:
        return rows
    slugs = dict(
        Body.objects.filter(
            slug__in=referendum.scope.get("bases", []), federation=referendum.federation
        ).values_list("pk", "slug")
    )
    turnout = {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}
    rows = {
        base: {"electorate": t.electorate, "voted": t.voted, "tally": None}
        for base, t in turnout.items()
    }
    tree = rules.ScopeTree(referendum.council.slug, referendum.scope.get("tree", {}))
    for council, bases in tree.bases_under().items():
        inside = [turnout[b] for b in bases if b in turnout]
        rows[str(council)] = {
            "electorate": sum(t.electorate for t in inside),
            "voted": sum(t.voted for t in inside),
            "tally": None,
        }
    if large:
        cache.set(key, rows, LIVE_TURNOUT_SECONDS)
    return rows


def _referendum_casts(referendum: Referendum) -> int:
    return ReferendumRoll.objects.filter(referendum=referendum, voted_body__isnull=False).count()


@transaction.atomic
def do_reshuffle_referendum(referendum: Referendum, *, now: datetime | None = None) -> bool:
    """The tick's step for an open referendum: rewrite the ballots if casts arrived."""
    now = now or timezone.now()
    referendum = Referendum.objects.select_for_update().get(pk=referendum.pk)
    if referendum.status != Referendum.Status.VOTING:
        return False
    casts = _referendum_casts(referendum)
    if not reshuffle_due(
        casts=casts,
        shuffled_casts=referendum.shuffled_casts,
        shuffled_at=referendum.shuffled_at,
        now=now,
    ):
        return False
    BallotBox(ReferendumBallot, referendum).reshuffle(casts=casts, now=now)
    referendum.save(update_fields=["shuffled_at", "shuffled_casts"])
    return True


def _base_slugs(referendum: Referendum) -> dict[int, str]:
    return dict(
        Body.objects.filter(
            slug__in=referendum.scope.get("bases", []), federation=referendum.federation
        ).values_list("pk", "slug")
    )


def turnout_by_base(referendum: Referendum) -> dict[str, rules.Turnout]:
    """Per base (slug): the people counted there and how many of them voted."""
    slugs = _base_slugs(referendum)
    return {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}


def count_referendum(referendum: Referendum) -> tuple[rules.Breakdown, dict[str, rules.Turnout]]:
    """The per-member count and per-body breakdown from the stored roll and ballots (a
    sealed referendum: from its box, opened at the close; Conflict before)."""
    slugs = _base_slugs(referendum)
    turnout = {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}
    council = referendum.council.slug
    tree = rules.ScopeTree(council, referendum.scope.get("tree", {}))
    key = referendum_key(referendum)
    if key is not None:
        # Sealed: each unit's tally is what its part of the box read when opened.
        if key.opened is None:
            raise Conflict(
                _("The ballots of this referendum are sealed: they are counted when it closes.")
            )
        unit_of = rules.reporting_units(turnout, tree, referendum.min_voters)
        parts = (key.opened or {}).get("parts", {})
        units = {unit: _tally_of(key, part) for unit, part in parts.items()}
        return rules.breakdown_of_units(turnout, units, unit_of, tree), turnout
    ballots: dict[str, rules.Tally] = defaultdict(rules.Tally)
    for body_id, choice, n in (
        ReferendumBallot.objects.filter(referendum=referendum)
        .values_list("body_id", "choice")
        .annotate(n=Count("tracker"))
        .order_by()
    ):
        ballots[slugs[body_id]] = ballots[slugs[body_id]] + rules.Tally(**{choice: n})
    result = rules.breakdown(turnout, ballots, tree, referendum.min_voters)
    return result, turnout


def _tally_of(key: BallotKey, part: dict[str, Any]) -> rules.Tally:
    """The tally of the papers one part of a sealed referendum's box read (invalid ones
    left out: a ballot sealed on the server is never invalid)."""
    decryption = part.get("decryption") or {"ballots": []}
    answers = [
        referendum_paper(key, None if r is None else tuple(r)) for r in decryption["ballots"]
    ]
    return rules.Tally.of(a for a in answers if a is not None)


def _open_sealed_box(
    referendum: Referendum, box: BallotBox[ReferendumBallot]
) -> tuple[BallotKey, dict[str, list[tuple[str, Any]]]] | None:
    """Open a sealed referendum's box one published unit at a time (each unit's ballots
    mixed and decrypted apart: its papers read tell no more than its published tally).
    Returns the key (its opened document kept: {"parts": {unit: ...}}) and each unit's
    cast list. None for a referendum opened before sealing existed."""
    key = referendum_key(referendum)
    if key is None:
        return None
    slugs = _base_slugs(referendum)
    turnout = {slugs[pk]: figures for pk, figures in referendum_turnout(referendum).items()}
    tree = rules.ScopeTree(referendum.council.slug, referendum.scope.get("tree", {}))
    unit_of = rules.reporting_units(turnout, tree, referendum.min_voters)
    cast_lists: dict[str, list[tuple[str, Any]]] = defaultdict(list)
    rows = box.ballots().filter(sealed__isnull=False).values_list("tracker", "body_id", "sealed")
    for tracker, body_id, sealed in sorted(rows, key=lambda row: row[0]):
        cast_lists[unit_of[slugs[body_id]]].append((tracker, sealed))
    key.opened = {
        "parts": {
            unit: open_box(key, [sealed for _t, sealed in cast]).facts
            for unit, cast in sorted(cast_lists.items())
        }
    }
    key.save(update_fields=["opened"])
    return key, dict(cast_lists)


@transaction.atomic
def do_close_referendum(
    actor: User | None, referendum: Referendum, *, now: datetime | None = None
) -> Referendum:
    """Close (an officer of the council, or the clock), count per member, publish per body."""
    now = now or timezone.now()
    referendum = (
        Referendum.objects.select_for_update()
        .select_related("council", "motion")
        .get(pk=referendum.pk)
    )
    if actor is not None:
        require_officer(actor, referendum.council)
    elif referendum.closes_at > now:
        raise Conflict(_("This referendum closes at %(t)s.") % {"t": referendum.closes_at})
    if referendum.status != Referendum.Status.VOTING:
        raise Conflict(_("This referendum is already closed."))
    box = BallotBox(ReferendumBallot, referendum)
    box.reshuffle(casts=_referendum_casts(referendum), now=now)
    sealed = _open_sealed_box(referendum, box)
    counted, turnout = count_referendum(referendum)
    decision = rules.decide(
        counted.total, rules.Electorate.of_assembly(referendum.electorate), rule_of(referendum)
    )
    council = referendum.council
    referendum.status = Referendum.Status.CLOSED
    referendum.closed_at = now
    referendum.result = {
        **decision.to_json(),
        "electorate": referendum.electorate,
        "voted": counted.voted,
        "units": {u: t.to_json() for u, t in sorted(counted.units.items())},
        "rows": {str(b): row.to_json() for b, row in counted.rows.items()},
    }
    referendum.save()
    events: list[Event] = []
    trackers = box.ballots().order_by("tracker").values_list("tracker", flat=True)
    chunk: list[str] = []
    part = 0
    for tracker in trackers.iterator(chunk_size=TRACKERS_PER_ENTRY):
        chunk.append(tracker)
        if len(chunk) == TRACKERS_PER_ENTRY:
            events.append(_trackers_event(referendum, part, chunk))
            chunk, part = [], part + 1
    if chunk or part == 0:
        events.append(_trackers_event(referendum, part, chunk))
    if sealed is not None:
        key, cast_lists = sealed
        head = {"referendum": referendum.pk, "body": council.slug}
        for unit, opened in (key.opened or {}).get("parts", {}).items():
            cast, shown = secrecy_facts(key, cast_lists[unit], opened=opened)
            events.append(Event("secrecy.cast", {**head, "part": unit, **cast}, body=council))
            events.append(Event("secrecy.opened", {**head, "part": unit, **shown}, body=council))
        forget_key_on_commit(key)
    events.append(
        Event(
            "referendum.counted",
            {
                "referendum": referendum.pk,
                "council": council.slug,
                "motion": referendum.motion_id,
                "rule": rule_of(referendum).to_json(),
                "electorate": referendum.electorate,
                "min_voters": referendum.min_voters,
                "turnout": {b: [t.electorate, t.voted] for b, t in sorted(turnout.items())},
                "units": {u: t.to_json() for u, t in sorted(counted.units.items())},
                "rows": {
                    str(b): row.to_json()
                    for b, row in sorted(counted.rows.items(), key=lambda item: str(item[0]))
                },
                "result": decision.to_json(),
            },
            body=council,
        )
    )
    motion = Motion.objects.select_for_update().get(pk=referendum.motion_id)
    if referendum.ratifies:
        Resolution.objects.filter(motion=motion).update(ratified=decision.passed)
    elif motion.status == Motion.Status.REFERENDUM:
        motion.status = Motion.Status.PASSED if decision.passed else Motion.Status.REJECTED
        motion.closed_at = now
        motion.result = {**decision.to_json(), "referendum": referendum.pk}
        motion.save(update_fields=["status", "closed_at", "result"])
        if decision.passed:
            resolution = _adopt(motion, now)
            events.append(
                Event(
                    "resolution.adopted",
                    {
                        "motion": motion.pk,
                        "body": council.slug,
                        "resolution": resolution.number,
                        "referendum": referendum.pk,
                    },
                    body=council,
                )
            )
    append_entries(referendum.federation, events)
    return referendum


def _trackers_event(referendum: Referendum, part: int, trackers: list[str]) -> Event:
    return Event(
        "referendum.trackers",
        {"referendum": referendum.pk, "part": part, "trackers": list(trackers)},
        body=referendum.council,
    )


def close_due_referendums(now: datetime) -> int:
    done = 0
    for referendum in Referendum.objects.filter(
        status=Referendum.Status.VOTING, closes_at__lte=now
    ).order_by("pk"):
        try:
            do_close_referendum(None, referendum, now=now)
        except Conflict:
            continue
        done += 1
    return done

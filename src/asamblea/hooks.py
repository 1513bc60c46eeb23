"""Every extension point of Asamblea, declared once: a lower layer calls, a higher app registers.

Imports run one way (`counting` → `record` → `federation` → `ballots` → the
capability apps → `api`/`cli`, see docs/architecture.md). When a lower layer
needs something only a higher app knows (the federation page shows an election
section; the tick closes votes; the record reads an election's entry as a
sentence), it calls a hook declared here, and the higher app registers into it,
from its `AppConfig.ready()` or at the import of the module that defines the
function. Like pretix's `base/signals.py` or Datasette's `hookspecs.py`, but a
plain ordered list of functions: no dispatch magic, and the order is explicit.

Two shapes:

- `Hook`: functions run in `order` (lowest first; equal orders in the order they
  were registered). `register(order=..., name=...)` is a decorator; a second
  registration under the same name replaces the first.
- `KeyedHook`: values under a key (an entry type, an election kind).
  `register(*keys)` is a decorator, `add(key, value)` a plain call; a hook
  declared `single=True` refuses a second, different value for a key.

This module is pure (no Django import, no app import): the record verifier,
which runs anywhere without a database, uses it too. It names the apps' types
for the type checker only.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from asamblea.federation.agenda import Member
    from asamblea.record.sentences import Context, Sentence
    from asamblea.record.verify import CheckContext

F = TypeVar("F", bound=Callable[..., Any])
V = TypeVar("V")

DEFAULT_ORDER = 100


class Hook(Generic[F]):
    """An ordered list of functions that apps add to."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.__doc__ = doc
        self._entries: list[tuple[int, int, str, F]] = []
        self._added = 0

    def register(self, *, order: int = DEFAULT_ORDER, name: str = "") -> Callable[[F], F]:
        """Decorator: add `func` at `order`, named `name` (by default its qualified name)."""

        def decorator(func: F) -> F:
            key = name or f"{func.__module__}.{func.__qualname__}"
            self._entries = [entry for entry in self._entries if entry[2] != key]
            self._added += 1
            self._entries.append((order, self._added, key, func))
            self._entries.sort(key=lambda entry: (entry[0], entry[1]))
            return func

        return decorator

    def unregister(self, name_or_func: str | F) -> None:
        """Remove a function, by its name or itself (tests use this to clean up)."""
        self._entries = [
            entry for entry in self._entries if name_or_func not in (entry[2], entry[3])
        ]

    def named(self) -> list[tuple[str, F]]:
        """(name, function) pairs, in the order they run."""
        return [(entry[2], entry[3]) for entry in self._entries]

    def __iter__(self) -> Iterator[F]:
        return iter([entry[3] for entry in self._entries])

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self)} registered>"


class KeyedHook(Generic[V]):
    """Values that apps add under a key; several per key, or one if `single`."""

    def __init__(self, name: str, doc: str, *, single: bool = False) -> None:
        self.name = name
        self.__doc__ = doc
        self.single = single
        self._values: dict[str, list[V]] = {}

    def add(self, key: str, value: V) -> V:
        """Add `value` under `key`; returns it. Adding the same value twice is harmless."""
        values = self._values.setdefault(key, [])
        if value in values:
            return value
        if self.single and values:
            raise ValueError(f"{self.name}: {key!r} is registered already ({values[0]!r})")
        values.append(value)
        return value

    def register(self, *keys: str) -> Callable[[V], V]:
        """Decorator: add the decorated value under each of `keys`."""

        def decorator(value: V) -> V:
            for key in keys:
                self.add(key, value)
            return value

        return decorator

    def remove(self, key: str, value: V) -> None:
        """Take `value` away from `key` (tests use this to clean up)."""
        self._values[key].remove(value)
        if not self._values[key]:
            del self._values[key]

    def get(self, key: str) -> list[V]:
        """The values under `key`, in the order they were added (empty if none)."""
        return list(self._values.get(key, ()))

    def first(self, key: str) -> V | None:
        """The value under `key` of a `single` hook, or None."""
        values = self._values.get(key)
        return values[0] if values else None

    def registered(self) -> list[str]:
        """The keys that have a value, sorted."""
        return sorted(self._values)

    def items(self) -> list[tuple[str, list[V]]]:
        """(key, values) pairs, keys in the order first added."""
        return [(key, list(values)) for key, values in self._values.items()]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __repr__(self) -> str:
        return f"<KeyedHook {self.name}: {len(self._values)} keys>"


def autodiscover(module: str) -> list[str]:
    """Import `asamblea.<app>.<module>` for every app package that has one; returns their names.

    For hooks used outside Django (the record verifier), where no `AppConfig.ready()`
    runs: an app registers its verify checks in its `recount` module, and the verifier
    imports every one it finds. Each such module must be pure (no Django import).
    """
    import asamblea

    found = []
    for package in sorted(pkgutil.iter_modules(asamblea.__path__), key=lambda p: p.name):
        name = f"asamblea.{package.name}.{module}"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
            found.append(name)
    return found


# ---------------------------------------------------------------- the periodic tick

TickStep = Callable[[datetime], int]

tick: Hook[TickStep] = Hook(
    "tick",
    """Run `step(now) -> steps taken` at every periodic tick (asamblea.scheduler.tick).

    Register with `@hooks.tick.register(name="elections", order=10)`; the name keys
    the tick's report ({name: steps}, -1 for a step that raised). A step must be
    idempotent: it looks for what is due at `now` and moves each item one step under
    a row lock, re-checking the status inside the lock, so a missed tick is harmless
    and two ticks at once never take a step twice.
    """,
)

# ---------------------------------------------------------------- page sections

# (request, body or federation) -> rendered HTML, or None to show nothing.
Section = Callable[[Any, Any], "str | None"]

body_section: Hook[Section] = Hook(
    "body_section",
    """Add a section to every body's page: `section(request, body) -> str | None`.

    The page shows each returned HTML fragment in `order` (federation's own parts
    first, then delegates 20, recall 25, elections 30, deliberation 40, record 90).
    Return None to show nothing for this body. Public data only: the page is public.
    """,
)

federation_section: Hook[Section] = Hook(
    "federation_section",
    """Add a section to a federation's page: `section(request, federation) -> str | None`.

    Same contract as `body_section`, for the federation's own page.
    """,
)

meeting_section: Hook[Section] = Hook(
    "meeting_section",
    """Add a section to a meeting's page (deliberation): `section(request, meeting) -> str | None`.

    Same contract as `body_section`; the meetings app adds the room (attendance,
    speakers, votes in the room, the acta) at order 50.
    """,
)

# ---------------------------------------------------------------- the public record

SentenceWriter = Callable[[Mapping[str, Any], "Context"], "Sentence"]

record_sentence: KeyedHook[SentenceWriter] = KeyedHook(
    "record_sentence",
    """Read entries of a type as a plain sentence: `writer(facts, context) -> Sentence`.

    Keyed by entry type, one writer each; the app that writes the entries registers
    it (`@hooks.record_sentence.register("election.opened", ...)`, usually in its
    `sentences.py`, imported from its `AppConfig.ready()`). The writer reads the
    facts exactly as recorded and raises KeyError/ValueError/TypeError when one is
    missing or malformed: the page then shows the facts as they are
    (asamblea.record.sentences.sentence).
    """,
    single=True,
)

EntryCheck = Callable[[Mapping[str, Any], "CheckContext"], None]

verify_check: KeyedHook[EntryCheck] = KeyedHook(
    "verify_check",
    """Check entries of a type when a log is verified: `check(entry, context) -> None`.

    Keyed by entry type, several checks each, run in the order added. A check raises
    an AsambleaError (e.g. VerificationFailed) saying what does not add up. The
    verifier runs without Django, so an app adds its checks at the import of its
    pure `recount` module, which the verifier finds with `autodiscover("recount")`.
    """,
)

# ---------------------------------------------------------------- elections' own events

# (election, its published result) -> the record events to append with the close.
CloseHandler = Callable[[Any, dict[str, Any]], list[Any]]

election_closed: KeyedHook[CloseHandler] = KeyedHook(
    "election_closed",
    """Act on the result of a closed election: `handler(election, result) -> list[Event]`.

    Keyed by election kind, one handler each; it runs inside the close transaction,
    after the count, and returns the record events to append with it. The elections
    app fills seats ("delegation", "command", "by-election"); the recall app handles
    "recall" (the result, and the cascade if it passed).
    """,
    single=True,
)

# (the seat that ended) -> the record events to append with it.
SeatEndedHandler = Callable[[Any], list[Any]]

seat_ended: Hook[SeatEndedHandler] = Hook(
    "seat_ended",
    """Act when a new election ends a seat whose holder was not re-elected:
    `handler(seat) -> list[Event]`, inside that transaction (e.g. the recall app's
    cascade into the bodies the holder sat in).
    """,
)


@dataclass(frozen=True)
class PaperBallots:
    """The paper ballots of an election (or a secret motion vote), entered in the room,
    as its close reads them.

    `rankings`: one list per paper counted, as an online `Ballot.ranking` (candidacy
    ids; for a motion, its choice alone, ["yes"], or the options' labels in order),
    with no voter: papers are anonymous. `facts`: what the record says of them
    (papers counted, the reconciliation of printed, handed out, spoiled and unused);
    `facts["ballots"]` is len(rankings), which the record's verifier adds to the trackers.
    """

    rankings: list[list[Any]]
    facts: dict[str, Any]


# (the election, or the motion) -> its paper ballots, or None when it has none.
PaperBallotsReader = Callable[[Any], "PaperBallots | None"]

paper_ballots: Hook[PaperBallotsReader] = Hook(
    "paper_ballots",
    """The papers of a vote taken to paper in a room: `reader(vote) -> PaperBallots | None`,
    the vote an election or a secret motion vote.

    Called by the elections app's count (inside the close transaction, and by a
    countback) and by a secret motion vote's close, which add the rankings to the online
    ballots they read. The meetings
    app registers the reader (the papers its tellers entered twice, or a tally sheet).
    """,
)


def read_paper_ballots(vote: Any) -> PaperBallots | None:
    """The papers of `vote` entered in a room, from the first reader that has them."""
    for reader in paper_ballots:
        papers = reader(vote)
        if papers is not None:
            return papers
    return None


# ---------------------------------------------------------------- the ways in

api_router: KeyedHook[Any] = KeyedHook(
    "api_router",
    """Add a ninja `Router` to the API under a path prefix, e.g. `add("/v1/", router)`.

    asamblea.api.main mounts every registered router after its own, in the order
    added, when the URLs load (after every `AppConfig.ready()`). Error responses use
    `asamblea.web.errors.ErrorOut` so every route has the one error shape.
    """,
)

PageLanguage = Callable[[str], "str | None"]

page_language: Hook[PageLanguage] = Hook(
    "page_language",
    """The language a page's own content asks for: `language(path) -> code | None`.

    The web's language middleware asks each in order when the reader chose none
    (no cookie); the first code returned wins. The federation app answers for the
    pages under a federation (its language).
    """,
)


OfficerActionRecorder = Callable[..., Any]
officer_action: Hook[OfficerActionRecorder] = Hook(
    "officer_action",
    """An officer acted on a body, or looked at its members' contact details:
    `record(actor, body, kind, *, decision="", membership_number=None, officer=None)`.

    `kind` is one of "members.viewed", "membership.decided", "officer.appointed",
    "officer.removed", "members.exported". Called inside the action's own transaction,
    after the permission check, so the trace and the action stand or fall together.
    The accounts app keeps the officers' trail with it (seen by the body's other
    officers, never on the public record: it names people).
    """,
)

RoomCheck = Callable[[Any], "str | None"]
motion_in_room: Hook[RoomCheck] = Hook(
    "motion_in_room",
    """Whether a motion's open vote is being taken in a meeting's room:
    `check(motion) -> str | None`, the message to refuse with, or None.

    Deliberation asks before taking a vote cast in the app and before closing a vote
    from the motion's page: while the tellers count hands (or enter a roll call) in the
    room, their count decides the motion, not votes cast on phones. The meetings app
    registers it.
    """,
)

MembershipVerified = Callable[[Any, Any], "str | None"]
membership_verified: Hook[MembershipVerified] = Hook(
    "membership_verified",
    """An officer verified a membership on a page: `shown(request, membership) -> str | None`,
    HTML to show that officer once with the decision (None: nothing to show).

    Called inside the verification's transaction, after its permission check, so what
    it writes stands or falls with the decision. The accounts app gives a member who has
    no login yet an activation code here, shown only this once.
    """,
)


# ---------------------------------------------------------------- health

OverdueCount = Callable[[datetime], int]
overdue: Hook[OverdueCount] = Hook(
    "overdue",
    """How many of an app's timed steps were due before `cutoff` and are not done yet
    (`count(cutoff) -> int`), for the health check (`asamblea health`, GET /healthz).

    Register with `@hooks.overdue.register(name="elections")`; the name keys the
    report. One cheap count, nothing about any person. The health check passes a
    cutoff a few ticks in the past, so a step the next tick is about to take is not
    counted: a count above zero means the worker is not doing its job.
    """,
)
# ---------------------------------------------------------------- telling people

# (federation, the entries just appended) -> None.
RecordedHandler = Callable[[Any, list[Any]], None]

recorded: Hook[RecordedHandler] = Hook(
    "recorded",
    """Hear of public facts as the record takes them: `handler(federation, entries)`.

    Called by `asamblea.record.services.append_entries` inside the transaction of the
    change, after the entries are written, with the new `Entry` rows (each with its
    `index`, `type` and `body_id`). A handler must be quick and must not break the
    change: the notices app only queues a background task for the entry types it tells
    people about, in a savepoint, and logs (never raises) if it cannot.
    """,
)

# (the membership just decided, the action: verify, reject, suspend, remove) -> None.
MembershipDecidedHandler = Callable[[Any, str], None]

membership_decided: Hook[MembershipDecidedHandler] = Hook(
    "membership_decided",
    """An officer decided a membership: `handler(membership, action)`.

    Called by `asamblea.federation.services.do_decide_membership` inside its
    transaction, after the change; `action` is "verify", "reject", "suspend" or
    "remove". Same contract as `recorded`: quick, and never breaks the decision (the
    notices app queues a notice to the person).
    """,
)

# A way to tell people outside the app (asamblea.notices.channels.Channel).
notice_channel: KeyedHook[Any] = KeyedHook(
    "notice_channel",
    """A channel that carries notices outside the app, keyed by its name ("email").

    The value is an `asamblea.notices.channels.Channel`: its label, the address it
    reads from a person (e-mail: Person.email; a later SMS channel: Person.phone), and
    `send(messages)`. The notices app registers "email"; members opt in per channel and
    kind of notice on their preferences page, and the worker delivers, with retries.
    """,
    single=True,
)
# ---------------------------------------------------------------- what awaits a member


@dataclass(frozen=True)
class AgendaItem:
    """One thing that awaits a logged-in person now, on their "Mis asambleas" page.

    `text`: one sentence in the reader's language; `url`: the one page to act on it;
    `action`: the link's words ("Vote", "Sign"); `due`: when it stops waiting, if ever;
    `key`: a stable id for the page and tests (e.g. "election-12")."""

    text: str
    url: str
    action: str
    key: str
    due: datetime | None = None


# (the member: asamblea.federation.agenda.Member) -> what awaits them.
AgendaProvider = Callable[["Member"], "list[AgendaItem]"]

member_agenda: Hook[AgendaProvider] = Hook(
    "member_agenda",
    """What awaits a logged-in person now: `provider(member) -> list[AgendaItem]`.

    Called by the federation's "Mis asambleas" page with the person's roles loaded
    once (asamblea.federation.agenda.Member: their memberships, held seats and officer
    roles). Each capability app registers one provider (elections: votes not cast,
    nominations open, seats to fill; recall: petitions and recall votes; deliberation:
    motions, referendums, calls to action; federation: applications waiting; accounts:
    verified members with no login and no working activation code). A
    provider makes a constant number of queries, whatever the size of the
    federation, and returns only what this person may act on now; [] when nothing
    waits. Items may name bodies and published names, never another person's
    personal data.
    """,
)


# ---------------------------------------------------------------- what is happening in a body

# (the body) -> what is happening there now, public facts only.
NowProvider = Callable[[Any], "list[AgendaItem]"]

body_now: Hook[NowProvider] = Hook(
    "body_now",
    """What is happening now in a body, for the top of its public page ("Ahora"):
    `provider(body) -> list[AgendaItem]`.

    The same items as `member_agenda`, seen from the body rather than a person: its open
    votes (elections, recall votes, motions, referendums), the recall petitions
    collecting signatures, the calls to action it is under, the mandates its delegates
    broke, and its latest decisions. The page shows the items in `order` of the
    providers (deliberation's broken mandates 15, elections 20, recall 30, deliberation's
    open votes and calls 40, its latest decisions 60), each provider's most pressing
    first, and folds what does not fit one phone screen. A provider makes a constant number of
    queries and returns public facts only: the page is public, the same for every reader.
    """,
)


# ---------------------------------------------------------------- sealed votes that are over

# (vote ids of one scheme) -> those of them whose vote is over.
VotesOver = Callable[[list[int]], set[int]]

ballot_votes_over: KeyedHook[VotesOver] = KeyedHook(
    "ballot_votes_over",
    """Which sealed votes are over, for the sweep of stray key files
    (`asamblea.ballots.sweep`): `votes_over(vote_ids) -> the ids among them`.

    Keyed by the ballot scheme (`asamblea.ballots.codes`), one function each: the
    elections app answers for elections, deliberation for motions and referendums. A vote
    is over when its close is committed (counted and published, or counted in the room
    without the app's ballots) or it was cancelled: its key will open nothing more, so
    the server's share of it is deleted. One query for the whole list.
    """,
    single=True,
)

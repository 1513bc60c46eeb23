"""Record entries read as one sentence in the reader's language, linking the page they are
about; the raw facts stay one tap away (the entry's page, with its canonical JSON); an
entry the pages cannot put in words still shows its facts; and the body names cost one
query per page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation

from asamblea.federation.models import Body, Federation
from asamblea.federation.record_views import entry_views, record_section
from asamblea.record.models import Entry
from asamblea.record.sentences import Context, Sentence, body_slugs, known_types, sentence
from asamblea.record.services import Event, append_entries, entry_object
from support.factories import add_member, body, make_federation
from support.language import english, in_language

# What the demo must produce for the tests below to mean something.
DEMO_TYPES = {
    "federation.created",
    "body.created",
    "body.verified_members",
    "delegation.seats",
    "election.opened",
    "election.nominations_closed",
    "election.voting_opened",
    "election.closed",
    "ballot.tracker",
    "election.counted",
    "seat.filled",
    "delegation.filled",
    "motion.proposed",
    "motion.tabled",
    "motion.vote_opened",
    "motion.counted",
    "motion.amended",
    "meeting.called",
    "meeting.acta",
    "referendum.opened",
    "call.issued",
    "call.acknowledged",
    "call.uptake",
}
RAW_JSON = ("{&quot;", "[&quot;", '{"', '["')


@pytest.fixture
def demo(demo_loaded: str, db: None) -> Federation:
    """The demo of `asamblea demo` (tests/conftest.py); each test's changes rolled back."""
    return Federation.objects.get(slug="peru")


def demo_entries(federation: Federation) -> list[Entry]:
    return list(
        Entry.objects.filter(federation=federation).select_related("body").order_by("index")
    )


def one_of_each_type(entries: list[Entry]) -> list[Entry]:
    first: dict[str, Entry] = {}
    for entry in entries:
        first.setdefault(entry.type, entry)
    return list(first.values())


def entry_lists(page: str) -> list[str]:
    return re.findall(r'<ul class="plain entries">.*?</ul>', page, flags=re.S)


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# ---------------------------------------------------------------- the demo federation


def test_every_entry_type_of_the_demo_reads_as_a_sentence_naming_assemblies_by_name(
    demo: Federation,
) -> None:
    entries = demo_entries(demo)
    types = {entry.type for entry in entries}
    assert types >= DEMO_TYPES
    assert types <= known_types()
    with translation.override("en"):
        views = entry_views(demo, entries)
    assert sorted({v.entry.type for v in views if v.sentence is None}) == []
    for view in views:
        assert view.sentence is not None
        text = view.sentence.text
        assert text and "%(" not in text and "{" not in text and "None" not in text, text
        # Slugs (region-puno) are shown as names (Asamblea Regional de Puno).
        for slug in body_slugs(entry_object(view.entry)):
            assert "-" not in slug or slug not in text, (slug, text)
    seat = next(v for v in views if v.entry.type == "seat.filled")
    assert re.fullmatch(r".+ took a seat in .+, elected in election \d+", seat.sentence.text)
    mandate = next(
        v for v in views if v.entry.type == "motion.counted" and "Mandate vote" in v.sentence.text
    )
    assert re.fullmatch(
        r"Mandate vote of .+ on motion \d+ decided: vote (yes|no)", mandate.sentence.text
    )


def test_each_sentence_links_a_page_that_opens(demo: Federation) -> None:
    client = english(Client())
    for view in entry_views(demo, one_of_each_type(demo_entries(demo))):
        assert view.sentence is not None and view.sentence.url, view.entry.type
        assert client.get(view.sentence.url).status_code == 200, (view.entry.type, view.sentence)


@pytest.mark.parametrize(
    "url",
    [
        "/record/peru/",
        "/record/peru/b/nacional/",
        "/record/peru/b/region-puno/",
        "/record/peru/b/comando-region-puno/",
        "/f/peru/b/nacional/",
        "/f/peru/b/region-puno/",
    ],
)
def test_no_list_shows_raw_json_and_each_entry_links_its_details(
    demo: Federation, url: str
) -> None:
    page = english(Client()).get(url).content.decode()
    lists = entry_lists(page)
    assert lists, url
    for listed in lists:
        assert not any(raw in listed for raw in RAW_JSON), url
        shown = re.findall(r'<li id="entry-(\d+)">', listed)
        assert shown
        for index in shown:
            assert f'class="details" href="/record/peru/entries/{index}/"' in listed


def test_a_list_of_every_type_shows_sentences_and_no_raw_json(demo: Federation) -> None:
    sample = one_of_each_type(demo_entries(demo))
    with translation.override("en"):
        listed = render_to_string(
            "record/_entries.html",
            {"federation": demo, "entries": entry_views(demo, sample), "show_body": True},
        )
    assert not any(raw in listed for raw in RAW_JSON)
    assert listed.count('class="details"') == len(sample)


def test_the_entry_page_keeps_the_exact_json_under_its_sentence(demo: Federation) -> None:
    entry = Entry.objects.filter(federation=demo, type="motion.counted").order_by("index").first()
    page = english(Client()).get(f"/record/peru/entries/{entry.index}/").content.decode()
    assert 'id="entry-sentence"' in page
    assert entry.payload.replace('"', "&quot;") in page
    assert entry.leaf_hash in page


def test_the_body_page_record_section_costs_two_queries_at_most(
    demo: Federation, django_assert_max_num_queries: Any
) -> None:
    # A regional assembly's newest entries name other assemblies (its command, the
    # bodies it sends delegates to or receives them from): their names come in one query.
    council = Body.objects.select_related("federation").get(federation=demo, slug="region-puno")
    request = RequestFactory().get("/f/peru/b/region-puno/")
    request.user = AnonymousUser()
    with translation.override("en"), django_assert_max_num_queries(2):
        section = record_section(request, council)
    assert section and section.count('class="details"') == 5
    assert not any(raw in section for raw in RAW_JSON)


# ---------------------------------------------------------------- a small federation


@pytest.fixture
def federation(db: None) -> Federation:
    federation = make_federation()
    add_member(federation, "base-1", "Rosa Mamani")
    return federation


def test_an_unknown_type_or_a_missing_fact_shows_the_facts_as_recorded(
    federation: Federation,
) -> None:
    base = body(federation, "base-1")
    with transaction.atomic():
        append_entries(
            federation,
            [
                Event("test.unknown", {"n": 7, "note": "hola"}, body=base),
                Event("seat.filled", {"seat": 3, "filled_by": "election"}, body=base),
            ],
        )
    response = english(Client()).get("/record/test/b/base-1/")
    assert response.status_code == 200
    text = text_of(response.content.decode())
    assert "test.unknown n: 7 · note: hola" in text
    assert "Seat filled filled_by: election · seat: 3" in text
    assert "Base 1 now has 1 verified member (0 before)" in text
    context = Context("test", {})
    assert sentence("test.unknown", {"n": 7}, context) is None
    assert sentence("seat.filled", {"seat": 3}, context) is None
    assert sentence("election.closed", {"election": "7", "body": "x", "roll": 1}, context) is None


def test_pages_read_in_spanish(federation: Federation) -> None:
    page = in_language(Client(), "es").get("/record/test/b/base-1/").content.decode()
    assert "Base 1 tiene ahora 1 miembro verificado (antes, 0)" in text_of(page)
    assert "detalles" in page
    context = Context("test", {"national-command": "Comando Nacional", "base-1": "Base 1"})
    seat = {"seat": 4, "name": "Rosa Mamani", "election": 5, "command": "national-command"}
    tabled = {"motion": 2, "body": "base-1", "kind": "amendment", "seconder": None}
    with translation.override("es"):
        assert sentence("seat.filled", {**seat, "filled_by": "election"}, context) == Sentence(
            "Rosa Mamani ocupó un escaño en Comando Nacional, por la elección 5",
            "/f/test/seats/4/",
        )
        assert sentence("motion.tabled", tabled, context) == Sentence(
            "La enmienda 2 en Base 1 fue secundada y pasa a debate", "/f/test/m/2/"
        )


# ---------------------------------------------------------------- types the demo lacks

NAMES = {
    "base-1": "Base 1",
    "prov-a1": "Province A1",
    "national": "National assembly",
    "national-command": "National command",
}
DELEGATION = {"source": "base-1", "council": "prov-a1"}


@pytest.mark.parametrize(
    ("entry_type", "facts", "text", "url"),
    [
        pytest.param(
            "seat.vacated",
            {
                "seat": 9,
                "delegate": "Hugo Huarcaya",
                "reason": "recalled",
                "cause": None,
                "lost_membership_of": None,
                "delegation": DELEGATION,
            },
            "Hugo Huarcaya left the seat in Province A1 for Base 1 (recalled)",
            "/f/test/seats/9/",
            id="seat-vacated-recalled",
        ),
        pytest.param(
            "seat.vacated",
            {
                "seat": 10,
                "delegate": "Ana Quispe",
                "reason": "cascade",
                "cause": 9,
                "lost_membership_of": "national",
                "command": "national-command",
            },
            "Ana Quispe left the seat in National command (lost the seat it rested on)",
            "/f/test/seats/10/",
            id="seat-vacated-cascade",
        ),
        pytest.param(
            "seat.ended",
            {
                "seat": 2,
                "name": "Ana Quispe",
                "election": 1,
                "delegation": DELEGATION,
                "reason": "term-ended",
            },
            "The term of Ana Quispe in Province A1 for Base 1 ended: a new election filled the seat",
            "/f/test/seats/2/",
            id="seat-ended",
        ),
        pytest.param(
            "seat.filled",
            {
                "seat": 11,
                "name": "Juan Mamani",
                "filled_by": "countback",
                "replaces": 9,
                "election": 1,
                "countback": {},
                "delegation": DELEGATION,
            },
            "Juan Mamani took a seat in Province A1 for Base 1 by countback of election 1",
            "/f/test/seats/11/",
            id="seat-filled-countback",
        ),
        pytest.param(
            "seat.filled",
            {
                "seat": 12,
                "name": "Juan Mamani",
                "filled_by": "by-election",
                "election": 8,
                "command": "national-command",
            },
            "Juan Mamani took a seat in National command, elected in by-election 8",
            "/f/test/seats/12/",
            id="seat-filled-by-election",
        ),
        pytest.param(
            "seat.refill",
            {
                "seat": 9,
                "by": "by-election",
                "election": 8,
                "why": "the federation refills by by-election",
            },
            "Seat 9 will be filled by by-election 8",
            "/f/test/e/8/",
            id="seat-refill",
        ),
        pytest.param(
            "election.opened",
            {"election": 7, "body": "base-1", "kind": "recall", "seats": 1, "seat": 9},
            "Recall vote 7 opened in Base 1",
            "/f/test/e/7/",
            id="recall-vote-opened",
        ),
        pytest.param(
            "election.cancelled",
            {"election": 3, "body": "base-1", "reason": "nobody stood"},
            "Election 3 of Base 1 was cancelled: nobody stood",
            "/f/test/e/3/",
            id="election-cancelled",
        ),
        pytest.param(
            "election.counted",
            {"election": 7, "body": "base-1", "result": {"method": "recall", "yes": 5, "no": 2}},
            "Votes counted in recall vote 7: 5 yes, 2 no",
            "/f/test/e/7/",
            id="recall-counted",
        ),
        pytest.param(
            "recall.settings",
            {
                "threshold": "0.2",
                "quorum": "0.5",
                "majority": "0.5",
                "refill": "countback",
                "petition_days": 30,
                "vote_days": 7,
            },
            "The recall rules changed: a petition needs the signatures of 20% of the members; "
            "the vote, a turnout of 50% and more than 50% yes",
            "/f/test/recall/rules/",
            id="recall-settings",
        ),
        pytest.param(
            "recall.petition_opened",
            {
                "petition": 4,
                "seat": 9,
                "delegate": "Hugo Huarcaya",
                "body": "base-1",
                "place": {"delegation": DELEGATION},
                "reason": "",
                "electorate": 10,
                "threshold": 2,
            },
            "A petition to recall Hugo Huarcaya from Province A1 for Base 1 opened: "
            "2 signatures needed",
            "/f/test/recall/4/",
            id="petition-opened",
        ),
        pytest.param(
            "recall.threshold_reached",
            {
                "petition": 4,
                "seat": 9,
                "signatures": 2,
                "threshold": 2,
                "election": 7,
                "voting_closes_at": "2026-12-01T12:00:00+00:00",
            },
            "Recall petition 4 reached 2 signatures: recall vote 7 is open until 1 Dec 2026, 07:00",
            "/f/test/e/7/",
            id="threshold-reached",
        ),
        pytest.param(
            "recall.petition_expired",
            {"petition": 4, "seat": 9, "signatures": 1, "threshold": 2},
            "Recall petition 4 expired with 1 of the 2 signatures needed",
            "/f/test/recall/4/",
            id="petition-expired",
        ),
        pytest.param(
            "recall.petition_moot",
            {"petition": 4, "seat": 9, "signatures": 1},
            "Recall petition 4 ended: the seat was vacated another way",
            "/f/test/recall/4/",
            id="petition-moot",
        ),
        pytest.param(
            "recall.result",
            {
                "election": 7,
                "seat": 9,
                "delegate": "Hugo Huarcaya",
                "body": "base-1",
                "electorate": 10,
                "voted": 7,
                "yes": 5,
                "no": 2,
                "passed": True,
            },
            "Hugo Huarcaya was recalled: 5 yes, 2 no; 7 of 10 voted",
            "/f/test/e/7/",
            id="recall-passed",
        ),
        pytest.param(
            "recall.result",
            {
                "election": 7,
                "seat": 9,
                "delegate": "Hugo Huarcaya",
                "body": "base-1",
                "electorate": 10,
                "voted": 3,
                "yes": 1,
                "no": 2,
                "passed": False,
            },
            "Hugo Huarcaya was not recalled: 1 yes, 2 no; 3 of 10 voted",
            "/f/test/e/7/",
            id="recall-failed",
        ),
        pytest.param(
            "motion.withdrawn",
            {"motion": 3, "body": "base-1", "kind": "motion"},
            "Motion 3 in Base 1 was withdrawn by its proposer",
            "/f/test/m/3/",
            id="motion-withdrawn",
        ),
        pytest.param(
            "motion.lapsed",
            {"motion": 4, "body": "base-1", "kind": "amendment"},
            "Amendment 4 in Base 1 lapsed",
            "/f/test/m/4/",
            id="amendment-lapsed",
        ),
        pytest.param(
            "motion.trackers",
            {"motion": 3, "body": "base-1", "trackers": ["ab" * 32, "cd" * 32]},
            "2 ballot trackers of the secret vote on motion 3 in Base 1 recorded",
            "/f/test/m/3/",
            id="motion-trackers",
        ),
        pytest.param(
            "motion.counted",
            {
                "motion": 3,
                "body": "base-1",
                "kind": "motion",
                "resolution": 1,
                "result": {"passed": True, "yes": 6, "no": 1, "abstain": 0},
            },
            "Base 1 passed motion 3 as resolution 1: 6 yes, 1 no, 0 abstaining",
            "/f/test/m/3/",
            id="motion-passed",
        ),
        pytest.param(
            "motion.counted",
            {
                "motion": 5,
                "body": "base-1",
                "kind": "options",
                "result": {"passed": True, "winner": "Marcha"},
            },
            "The vote in Base 1 on motion 5 chose “Marcha”",
            "/f/test/m/5/",
            id="options-counted",
        ),
        pytest.param(
            "motion.counted",
            {
                "motion": 6,
                "body": "prov-a1",
                "kind": "mandate",
                "mandate_for": 1,
                "late": True,
                "result": {"instruction": "free"},
            },
            "Mandate vote of Province A1 on motion 1 closed too late to bind its delegates",
            "/f/test/m/6/",
            id="mandate-late",
        ),
        pytest.param(
            "referendum.trackers",
            {"referendum": 1, "part": 0, "trackers": ["ab" * 32]},
            "1 ballot tracker of referendum 1 recorded",
            "/f/test/r/1/",
            id="referendum-trackers",
        ),
        pytest.param(
            "referendum.counted",
            {
                "referendum": 1,
                "council": "national",
                "motion": 9,
                "result": {"passed": True, "yes": 40, "no": 12},
            },
            "Referendum 1 in National assembly passed: 40 yes, 12 no",
            "/f/test/r/1/",
            id="referendum-counted",
        ),
        pytest.param(
            "resolution.adopted",
            {"motion": 9, "body": "national", "resolution": 2, "referendum": 1},
            "National assembly adopted resolution 2 by referendum 1",
            "/f/test/b/national/resolutions/2/",
            id="resolution-adopted",
        ),
    ],
)
def test_types_the_demo_does_not_produce_read_as_sentences(
    entry_type: str, facts: dict[str, Any], text: str, url: str, settings: Any
) -> None:
    settings.TIME_ZONE = "America/Lima"
    with translation.override("en"):
        assert sentence(entry_type, facts, Context("test", NAMES)) == Sentence(text, url)

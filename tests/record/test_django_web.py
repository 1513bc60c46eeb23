"""Record pages and API: what they show, finding an entry by hash or ballot tracker,
proofs served that verify against a signed checkpoint, clear errors, no personal data,
and query counts that do not grow with the log."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from asamblea.elections import services as elections
from asamblea.federation.models import Federation
from asamblea.record import services
from asamblea.record.canonical import canonical_entry
from asamblea.record.checkpoint import PublicKey, SignedCheckpoint, verify_checkpoint
from asamblea.record.merkle import leaf_hash, verify_consistency, verify_inclusion
from asamblea.record.models import Entry
from asamblea.record.services import Event, append_entries
from elections.helpers import open_election, voters
from support.factories import add_member, body, make_federation
from support.language import english

CANARIES = ["Zyxwvu Canarinoqa", "+51987650321", "canary.zq7@example.org", "canary-user-zq7"]


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def federation(db: None) -> Federation:
    federation = make_federation()
    add_member(
        federation,
        "base-1",
        "Zyxwvu Canarinoqa",
        phone="+51987650321",
        email="canary.zq7@example.org",
    )
    return federation


@pytest.fixture
def client() -> Client:
    return english(Client())


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_federation_record_page_shows_the_signed_head_and_the_newest_entries(
    client: Client, federation: Federation
) -> None:
    response = client.get("/record/test/")
    assert response.status_code == 200
    page = response.content.decode()
    checkpoint = services.latest_checkpoint(federation)
    newest = Entry.objects.filter(federation=federation).order_by("-index").first()
    assert checkpoint.root_hash in page and f'id="record-size">{checkpoint.size}<' in page
    assert f'href="/record/test/entries/{newest.index}/"' in page
    assert "Base 1 now has 1 verified member (0 before)" in text_of(response)
    assert services.public_key().fingerprint in page
    assert "asamblea record verify http://testserver/record/test/export.jsonl --public-key" in page


def test_older_entries_are_paged(client: Client, federation: Federation) -> None:
    with transaction.atomic():
        append_entries(federation, [Event("test.event", {"n": n}) for n in range(60)])
    size = services.published_size(federation)
    first = client.get("/record/test/").content.decode()
    assert f"/entries/{size - 1}/" in first and f"/entries/{size - 26}/" not in first
    link = re.search(r'href="\?before=(\d+)"', first)
    assert link and int(link.group(1)) == size - 25
    second = client.get(f"/record/test/?before={link.group(1)}").content.decode()
    assert f"/entries/{size - 26}/" in second and f"/entries/{size - 1}/" not in second


def test_a_body_record_page_lists_only_that_body_and_the_body_page_links_it(
    client: Client, federation: Federation
) -> None:
    base = body(federation, "base-4")
    response = client.get("/record/test/b/base-4/")
    assert response.status_code == 200
    shown = {int(i) for i in re.findall(r'id="entry-(\d+)"', response.content.decode())}
    about = set(Entry.objects.filter(body=base).values_list("index", flat=True))
    assert shown == about and shown
    body_page = client.get("/f/test/b/base-4/").content.decode()
    assert 'id="record"' in body_page and 'href="/record/test/b/base-4/"' in body_page
    assert 'action="/record/test/find/"' in body_page


def test_an_entry_page_shows_the_exact_entry_and_an_inclusion_proof_that_verifies(
    client: Client, federation: Federation
) -> None:
    entry = Entry.objects.filter(federation=federation, type="body.created").order_by("index")[3]
    page = client.get(f"/record/test/entries/{entry.index}/").content.decode()
    assert entry.leaf_hash in page
    # The canonical JSON as stored (HTML-escaped), and every hash of the proof.
    assert entry.payload.replace('"', "&quot;") in page
    path = re.findall(r"<li>([0-9a-f]{64})</li>", page)
    checkpoint = services.latest_checkpoint(federation)
    verify_inclusion(
        entry.index,
        checkpoint.size,
        bytes.fromhex(entry.leaf_hash),
        [bytes.fromhex(h) for h in path],
        bytes.fromhex(checkpoint.root_hash),
    )
    assert client.get("/record/test/entries/99999/").status_code == 404


def test_find_by_entry_hash_goes_to_the_entry(client: Client, federation: Federation) -> None:
    entry = Entry.objects.filter(federation=federation).order_by("index")[5]
    typed = " ".join(re.findall(".{8}", entry.leaf_hash.upper()))  # as copied from paper
    response = client.get("/record/test/find/", {"hash": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/record/test/entries/{entry.index}/"


@pytest.mark.parametrize(
    ("value", "status", "says"),
    [
        pytest.param("abc", 400, "64 characters", id="too-short"),
        pytest.param("g" * 64, 400, "64 characters", id="not-hex"),
        pytest.param("0" * 64, 200, "No entry of this record", id="unknown"),
        pytest.param("", 200, "Paste an entry hash", id="empty-form"),
    ],
)
def test_find_says_plainly_what_is_wrong(
    client: Client, federation: Federation, value: str, status: int, says: str
) -> None:
    response = client.get("/record/test/find/", {"hash": value})
    assert response.status_code == status
    assert says in text_of(response)


def test_a_ballot_tracker_finds_the_entry_that_publishes_it(
    client: Client, federation: Federation
) -> None:
    members = voters(federation, "base-2", 3)
    election = open_election(federation, "base-2", seats=1)
    candidate = elections.do_stand(members[0], election)
    elections.do_open_voting(election)
    receipt = elections.do_cast_ballot(members[1], election, [candidate.pk])
    elections.do_cast_ballot(members[2], election, [candidate.pk])
    # Before the close no tracker is published.
    assert "No entry of this record" in text_of(
        client.get("/record/test/find/", {"hash": receipt.tracker})
    )
    elections.do_close_election(election)
    response = client.get("/record/test/find/", {"hash": receipt.tracker})
    assert response.status_code == 302
    entry = Entry.objects.get(federation=federation, tracker=receipt.tracker)
    assert entry.type == "ballot.tracker"
    assert response["Location"] == f"/record/test/entries/{entry.index}/"
    assert receipt.tracker in client.get(response["Location"]).content.decode()


def test_the_key_page_publishes_the_public_key(client: Client, db: None) -> None:
    key = services.public_key()
    page = client.get("/record/key/").content.decode()
    assert key.to_text() in page and key.fingerprint in page
    assert "BEGIN PUBLIC KEY" in page and "PRIVATE" not in page


def test_no_record_page_export_or_api_answer_holds_personal_data(
    client: Client, federation: Federation
) -> None:
    entry = Entry.objects.filter(federation=federation).order_by("index").last()
    urls = [
        "/record/test/",
        "/record/test/b/base-1/",
        f"/record/test/entries/{entry.index}/",
        f"/record/test/find/?hash={entry.leaf_hash}",
        "/record/key/",
        "/f/test/b/base-1/",
        "/api/v1/federations/test/record/entries?start=0&end=1000",
        "/api/v1/federations/test/record/proofs/inclusion?index=0",
    ]
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        for canary in CANARIES:
            assert canary.lower() not in response.content.decode().lower(), (canary, url)
    export = "\n".join(services.export_lines(federation)).lower()
    assert not any(canary.lower() in export for canary in CANARIES)


def test_record_pages_cost_the_same_queries_for_a_longer_log(
    client: Client, federation: Federation
) -> None:
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = ["/record/test/", "/record/test/b/base-1/", "/record/test/entries/3/"]
    before = [queries(url) for url in urls]
    with transaction.atomic():
        append_entries(
            federation,
            [Event("test.event", {"n": n}, body=body(federation, "base-1")) for n in range(300)],
        )
    # The same or fewer (the newest entries now name no other assembly to look up).
    after = [queries(url) for url in urls]
    assert all(a <= b for a, b in zip(after, before, strict=True)), (after, before)
    assert max(before) <= 8


# ---------------------------------------------------------------- the API


def test_the_api_publishes_the_key_and_a_checkpoint_that_verifies_with_it(
    client: Client, federation: Federation
) -> None:
    key = client.get("/api/v1/record/public-key").json()
    assert key["algorithm"] == "ed25519" and key["public_key"] == services.public_key().to_text()
    assert PublicKey.from_text(key["pem"]) == PublicKey.from_text(key["public_key"])
    checkpoint = client.get("/api/v1/federations/test/record/checkpoint").json()
    signed = SignedCheckpoint.from_json(checkpoint)
    verify_checkpoint(signed, PublicKey.from_text(key["public_key"]))
    assert signed.size == services.published_size(federation)
    older = client.get(f"/api/v1/federations/test/record/checkpoint?size={signed.size}").json()
    assert older == checkpoint


def test_api_entries_recompute_to_their_leaf_hashes(client: Client, federation: Federation) -> None:
    answer = client.get("/api/v1/federations/test/record/entries?start=2&end=9").json()
    assert answer["start"] == 2 and [e["index"] for e in answer["entries"]] == list(range(2, 9))
    for item in answer["entries"]:
        assert leaf_hash(canonical_entry(item["entry"])).hex() == item["leaf_hash"]
    everything = client.get("/api/v1/federations/test/record/entries").json()
    assert len(everything["entries"]) == everything["tree_size"]
    past_the_end = client.get("/api/v1/federations/test/record/entries?start=100000").json()
    assert past_the_end["entries"] == []


def test_api_proofs_verify_against_the_signed_roots(client: Client, federation: Federation) -> None:
    head = client.get("/api/v1/federations/test/record/checkpoint").json()
    size, root = head["size"], bytes.fromhex(head["root"])
    target = Entry.objects.get(federation=federation, index=size // 2)
    for query in [f"index={target.index}", f"leaf_hash={target.leaf_hash}"]:
        proof = client.get(f"/api/v1/federations/test/record/proofs/inclusion?{query}").json()
        assert proof["checkpoint"] == head and proof["tree_size"] == size
        verify_inclusion(
            proof["index"],
            size,
            bytes.fromhex(proof["leaf_hash"]),
            [bytes.fromhex(h) for h in proof["audit_path"]],
            root,
        )
    first = client.get("/api/v1/federations/test/record/checkpoint?size=1")
    earlier = services.latest_checkpoint(federation)
    with transaction.atomic():
        append_entries(federation, [Event("test.event", {"n": 1})])
    new_head = client.get("/api/v1/federations/test/record/checkpoint").json()
    proof = client.get(
        f"/api/v1/federations/test/record/proofs/consistency?first={earlier.size}"
    ).json()
    assert proof["second"] == new_head["size"] == earlier.size + 1
    verify_consistency(
        earlier.size,
        new_head["size"],
        bytes.fromhex(earlier.root_hash),
        bytes.fromhex(new_head["root"]),
        [bytes.fromhex(h) for h in proof["consistency_path"]],
    )
    assert first.status_code == 404  # no checkpoint was issued at size 1


@pytest.mark.parametrize(
    ("url", "status"),
    [
        pytest.param("/api/v1/federations/nope/record/checkpoint", 404, id="no-federation"),
        pytest.param("/api/v1/federations/test/record/proofs/inclusion", 400, id="no-index"),
        pytest.param(
            "/api/v1/federations/test/record/proofs/inclusion?index=1&leaf_hash=" + "a" * 64,
            400,
            id="index-and-hash",
        ),
        pytest.param(
            "/api/v1/federations/test/record/proofs/inclusion?leaf_hash=xyz", 400, id="bad-hash"
        ),
        pytest.param(
            "/api/v1/federations/test/record/proofs/inclusion?leaf_hash=" + "a" * 64,
            404,
            id="unknown-hash",
        ),
        pytest.param(
            "/api/v1/federations/test/record/proofs/inclusion?index=100000", 400, id="past-end"
        ),
        pytest.param("/api/v1/federations/test/record/proofs/consistency", 400, id="no-first"),
        pytest.param(
            "/api/v1/federations/test/record/proofs/consistency?first=5&second=4",
            400,
            id="shrinking",
        ),
        pytest.param("/api/v1/federations/test/record/entries?start=-1", 400, id="negative"),
    ],
)
def test_api_errors_keep_the_api_shape(
    client: Client, federation: Federation, url: str, status: int
) -> None:
    response = client.get(url)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == {400: "invalid_input", 404: "not_found"}[status] and error["message"]


def test_an_empty_log_has_no_checkpoint_yet(client: Client, db: None) -> None:
    # Every real federation's log starts with its creation; an empty one is made by hand.
    Federation.objects.create(slug="empty", name="Empty")
    response = client.get("/api/v1/federations/empty/record/checkpoint")
    assert response.status_code == 404 and "no entries yet" in response.json()["error"]["message"]
    assert "Nothing is on the record yet" in text_of(client.get("/record/empty/"))

"""seal.js in real Chromium: the same bytes as the Python library, ballots Python accepts.

The vendored ristretto255 bundle and seal.js are loaded into a blank page (no server):
every vector of tests/secrecy/vectors.json must come out byte for byte; then the
browser seals random rankings under a key only this test holds, and Python's
`verify_ballot` accepts each and its decryption reads back exactly the ranking; a
tampered one is refused. Last, the real election ballot page, with a sealing key put
on its form, posts only the sealed ballot, stops a ballot the rules refuse, and falls
back to the plain form when sealing fails.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

import asamblea.ballots
from asamblea.elections import services
from asamblea.federation.models import Federation
from asamblea.secrecy.bulletin import ballot_from_json, cast_to_json
from asamblea.secrecy.elgamal import (
    BallotProof,
    Ciphertext,
    KeyPair,
    decrypt,
    reencrypt,
    verify_ballot,
)
from asamblea.secrecy.encoding import BallotCodec
from asamblea.secrecy.group import GENERATOR, Point, Scalar, hash_to_scalar
from support.factories import make_federation
from support.phone import log_in
from support.seal_vectors import PATH as VECTORS_PATH

pytestmark = pytest.mark.browser

STATIC = Path(asamblea.ballots.__file__).parent / "static" / "ballots"
VENDOR = STATIC / "vendor" / "noble-ristretto-2.4.0.min.js"
SEAL = STATIC / "seal.js"
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))

# The test's own key: the server never has it, Python decrypts with it.
_SECRET = hash_to_scalar("seal.js test key")
KEY = KeyPair(_SECRET, Point.base_times(_SECRET))


@pytest.fixture
def seal_page(browser: Any) -> Any:
    context = browser.new_context()
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.set_content("<!doctype html><html><head><title>seal</title></head><body></body></html>")
    page.add_script_tag(path=str(VENDOR))
    page.add_script_tag(path=str(SEAL))
    yield page
    context.close()


RUN_VECTORS = """(v) => {
  const S = window.AsambleaSeal;
  const part = ([kind, x]) => kind === "s" ? x : kind === "i" ? BigInt(x)
    : kind === "P" ? S.pointFromHex(x) : kind === "S" ? new S.Scalar(S.scalarFromHex(x)) : S.bytesOf(x);
  const refused = (f) => { try { f(); return false; } catch (e) { return true; } };
  return {
    transcripts: v.transcripts.map((t) => {
      const tr = new S.Transcript(t.tag).add(...t.parts.map(part));
      const parts = t.parts.map(part);
      return {
        digest: S.hexOf(tr.digest()), scalar: S.scalarToHex(tr.scalar()), point: S.pointHex(tr.point()),
        copy: S.hexOf(tr.copy().digest()),
        hash_to_scalar: S.scalarToHex(S.hashToScalar(t.tag, parts)),
        hash_to_point: S.pointHex(S.hashToPoint(t.tag, parts)),
      };
    }),
    encodings: v.encodings.map((e) => new S.Codec(e.codec).encode(e.ranking).map(S.pointHex)),
    ballots: v.ballots.map((b) => {
      const codec = new S.Codec(b.codec);
      const Y = S.pointFromHex(b.public);
      const sealed = S.encryptBallot(b.context, Y, codec.encode(b.ranking),
        b.randomness.map(S.scalarFromHex), b.nonces.map(S.scalarFromHex));
      return {cast: S.castToJson(sealed), verified: S.verifyBallot(b.context, Y, sealed.ballot, sealed.proof)};
    }),
    refused_keys: v.refused.public_keys.map((key) =>
      refused(() => S.seal(key, "c", {candidates: 2, ranks: 1, per_ciphertext: 1}, [0]))),
    refused_rankings: v.refused.rankings.map((r) => refused(() => new S.Codec(r.codec).encode(r.ranking))),
  };
}"""


def _for_javascript(vectors: dict[str, Any]) -> dict[str, Any]:
    """The vectors with integer parts as text: JSON numbers above 2**53 lose digits."""
    copy = json.loads(json.dumps(vectors))
    for t in copy["transcripts"]:
        t["parts"] = [[k, str(x)] if k == "i" else [k, x] for k, x in t["parts"]]
    return copy


def test_every_vector_comes_out_of_the_browser_byte_for_byte(seal_page: Any) -> None:
    got = seal_page.evaluate(RUN_VECTORS, _for_javascript(VECTORS))
    for vector, out in zip(VECTORS["transcripts"], got["transcripts"], strict=True):
        assert out == {
            "digest": vector["digest"],
            "scalar": vector["scalar"],
            "point": vector["point"],
            "copy": vector["digest"],
            "hash_to_scalar": vector["scalar"],
            "hash_to_point": vector["point"],
        }, vector["tag"]
    assert got["encodings"] == [v["points"] for v in VECTORS["encodings"]]
    assert [b["cast"] for b in got["ballots"]] == [v["cast"] for v in VECTORS["ballots"]]
    assert all(b["verified"] for b in got["ballots"])
    assert all(got["refused_keys"]) and len(got["refused_keys"]) == 4
    assert all(got["refused_rankings"]) and len(got["refused_rankings"]) == 4


CODECS = [BallotCodec(8), BallotCodec(20), BallotCodec(2, ranks=1), BallotCodec(5, ranks=2)]


def _random_rankings(count: int) -> list[tuple[BallotCodec, list[int]]]:
    rng = random.Random(20261206)
    cases = []
    for number in range(count):
        codec = CODECS[number % len(CODECS)]
        length = rng.randint(1, codec.ranks)
        cases.append((codec, rng.sample(range(codec.candidates), length)))
    return cases


def _seal_in_browser(page: Any, context: str, codec: BallotCodec, ranking: list[int]) -> Any:
    sealed = page.evaluate(
        "([key, context, codec, ranking]) => AsambleaSeal.seal(key, context, codec, ranking)",
        [KEY.public.hex(), context, json.dumps(codec.describe()), ranking],
    )
    assert isinstance(sealed, str)
    return json.loads(sealed)


def _read(cast: Any) -> tuple[Any, BallotProof]:
    return ballot_from_json(cast["ballot"]), BallotProof.from_json(cast["proof"])


def test_ballots_sealed_in_the_browser_verify_and_open_to_their_ranking(seal_page: Any) -> None:
    seen = set()
    for number, (codec, ranking) in enumerate(_random_rankings(16)):
        context = f"test/election/{number}"
        cast = _seal_in_browser(seal_page, context, codec, ranking)
        assert set(cast) == {"ballot", "proof"}
        ballot, proof = _read(cast)
        assert len(ballot) == codec.width
        assert verify_ballot(context, KEY.public, ballot, proof)
        opened = [decrypt(KEY.secret, c) for c in ballot]
        assert codec.decode(opened) == tuple(ranking)
        seen.add(json.dumps(cast))
    # The same ranking twice: fresh randomness, two different ciphertexts.
    again = [_seal_in_browser(seal_page, "test/again", CODECS[0], [1, 2]) for _ in range(2)]
    assert again[0]["ballot"] != again[1]["ballot"]


def _tamperings(cast: Any) -> dict[str, Any]:
    ballot, proof = _read(cast)
    first = ballot[0]
    s = proof.responses
    one = Scalar.from_int(1)
    return {
        "first a moved": ((Ciphertext(first.a + GENERATOR, first.b), *ballot[1:]), proof),
        "first b moved": ((Ciphertext(first.a, first.b + GENERATOR), *ballot[1:]), proof),
        "ciphertexts swapped": ((ballot[1], ballot[0], *ballot[2:]), proof),
        "a response changed": (ballot, BallotProof(proof.challenge, (s[0] + one, *s[1:]))),
        "the challenge changed": (ballot, BallotProof(proof.challenge + one, s)),
        "re-randomised copy": (
            tuple(
                reencrypt(KEY.public, c, hash_to_scalar("tamper", i)) for i, c in enumerate(ballot)
            ),
            proof,
        ),
        "a ciphertext dropped": (ballot[:-1], BallotProof(proof.challenge, s[:-1])),
    }


def test_a_tampered_browser_ballot_is_refused(seal_page: Any) -> None:
    context = "test/election/tamper"
    cast = _seal_in_browser(seal_page, context, BallotCodec(8), [3, 1, 4, 0, 5, 7])
    ballot, proof = _read(cast)
    assert verify_ballot(context, KEY.public, ballot, proof)
    assert not verify_ballot("test/election/other", KEY.public, ballot, proof)
    other = Point.base_times(hash_to_scalar("another key"))
    assert not verify_ballot(context, other, ballot, proof)
    for what, (changed, changed_proof) in _tamperings(cast).items():
        assert not verify_ballot(context, KEY.public, changed, changed_proof), what
        # What the server would receive: the JSON of the changed ballot.
        again = json.loads(json.dumps(cast_to_json(changed, changed_proof)))
        assert not verify_ballot(context, KEY.public, *_read(again)), what


# --- the real ballot page -----------------------------------------------------------

SEAL_CONTEXT = "test/elections/sealed"


def _with_seal_key(html: str, key: str, codec: BallotCodec, choices: list[str] | None) -> str:
    """The page as the server serves an encrypted vote: the key on the form, a "sealed"
    input in it (put first, so they win over any the server already put there)."""
    attributes = (
        f' data-seal-key="{key}" data-seal-context="{SEAL_CONTEXT}"'
        f" data-seal-codec='{json.dumps(codec.describe())}'"
    )
    if choices is not None:
        attributes += f" data-seal-choices='{json.dumps(choices)}'"
    opened = re.search(r'<form method="post" id="ballot"[^>]*>', html)
    assert opened is not None
    tag = opened.group(0)
    new_tag = tag.replace("<form", "<form" + attributes, 1) + '<input type="hidden" name="sealed">'
    return html.replace(tag, new_tag, 1)


@pytest.fixture
def federation(transactional_db: None) -> Federation:
    return make_federation()


def _open_vote(federation: Federation, method: str | None = None, seats: int = 2) -> Any:
    from elections.helpers import open_election, voters

    users = voters(federation, "base-1", 4)
    election = open_election(federation, method=method, seats=seats)
    for user in users[:3]:
        services.do_stand(user, election)
    services.do_open_voting(election, now=election.voting_opens_at)
    return election


def _ballot_page(
    new_phone: Any,
    base_url: str,
    election: Any,
    key: str,
    codec: BallotCodec,
    held: list[Any] | None = None,
    choices: list[str] | None = None,
) -> tuple[Any, list[dict[str, list[str]]]]:
    """The voter's ballot page with the key on it; the posts it makes, caught on the way.
    With `held`, the request for the ristretto255 bundle is kept there, unanswered."""
    path = f"/f/test/e/{election.pk}/ballot/"
    page = log_in(new_phone(), base_url, "voter-base-1-4", f"/f/test/e/{election.pk}/")
    posts: list[dict[str, list[str]]] = []
    if held is not None:

        def hold(route: Any) -> None:
            held.append(route)

        page.route("**/ballots/vendor/*.min.js", hold)

    def handle(route: Any) -> None:
        request = route.request
        if request.method == "POST":
            posts.append(parse_qs(request.post_data or "", keep_blank_values=True))
            route.fulfill(status=200, content_type="text/html", body="<p id='posted'>posted</p>")
            return
        response = route.fetch()
        route.fulfill(response=response, body=_with_seal_key(response.text(), key, codec, choices))

    page.route(f"**{path}", handle)
    # Not "load": a held bundle would hold the load event too.
    page.goto(f"{base_url}{path}", wait_until="domcontentloaded")
    page.wait_for_selector("#cast")
    return page, posts


def test_the_ballot_page_posts_only_the_sealed_ballot(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    election = _open_vote(federation)
    candidates = list(services.standing(election))
    codec = BallotCodec(len(candidates))
    # The codec's order need not be the page's: seal.js goes by data-seal-choices.
    choices = [str(c.pk) for c in reversed(candidates)]
    page, posts = _ballot_page(
        new_phone, live_server.url, election, KEY.public.hex(), codec, choices=choices
    )
    names = page.locator(".ballot-row .name").all_inner_texts()
    assert names == [c.public_name for c in candidates]

    # A gap in the ranks is stopped in the browser, in the server's words; nothing posted.
    page.locator(".ballot-row").nth(2).locator("select").select_option("2")
    page.click("#cast")
    page.wait_for_selector("#ballot-problem")
    assert "missing: 1" in page.inner_text("#ballot-problem")
    assert posts == []

    # Corrected: rank 1 to the second candidate. Only the sealed ballot leaves the phone.
    page.locator(".ballot-row").nth(1).locator("select").select_option("1")
    page.click("#cast")
    page.wait_for_selector("#posted")
    assert len(posts) == 1
    posted = posts[0]
    assert not [field for field in posted if field.startswith("rank-")]
    assert {"csrfmiddlewaretoken", "sealed"} <= set(posted)
    ballot, proof = _read(json.loads(posted["sealed"][0]))
    assert verify_ballot(SEAL_CONTEXT, KEY.public, ballot, proof)
    chosen = (choices.index(str(candidates[1].pk)), choices.index(str(candidates[2].pk)))
    assert chosen == (1, 0)
    assert codec.decode([decrypt(KEY.secret, c) for c in ballot]) == chosen


def test_a_plurality_ballot_with_too_many_marks_is_stopped_in_the_browser(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    election = _open_vote(federation, method="plurality", seats=1)
    codec = BallotCodec(3, ranks=1)
    choices = [str(c.pk) for c in services.standing(election)]  # as the server gives them
    page, posts = _ballot_page(
        new_phone, live_server.url, election, KEY.public.hex(), codec, choices=choices
    )
    boxes = page.locator("input[name=choice]")
    boxes.nth(0).check()
    boxes.nth(2).check()
    page.click("#cast")
    page.wait_for_selector("#ballot-problem")
    assert "Mark at most 1 candidate: this election fills 1 seat." in page.inner_text(
        "#ballot-problem"
    )
    assert posts == []
    boxes.nth(0).uncheck()
    page.click("#cast")
    page.wait_for_selector("#posted")
    ballot, proof = _read(json.loads(posts[0]["sealed"][0]))
    assert verify_ballot(SEAL_CONTEXT, KEY.public, ballot, proof)
    assert codec.decode([decrypt(KEY.secret, c) for c in ballot]) == (2,)
    assert "choice" not in posts[0]


@pytest.mark.parametrize(
    ("key", "choices"),
    [
        # The identity is no public key: seal.js refuses to encrypt under it.
        pytest.param("00" * 32, None, id="sealing-throws"),
        # A codec index for a candidate the form does not show: seal.js does not act.
        pytest.param(KEY.public.hex(), ["1", "2", "999999"], id="choices-do-not-fit-the-form"),
    ],
)
def test_when_sealing_fails_the_form_posts_as_served_for_the_server_to_encrypt(
    federation: Federation, live_server: Any, new_phone: Any, key: str, choices: Any
) -> None:
    election = _open_vote(federation)
    codec = BallotCodec(3)
    page, posts = _ballot_page(new_phone, live_server.url, election, key, codec, choices=choices)
    page.locator(".ballot-row").nth(0).locator("select").select_option("1")
    page.click("#cast")
    page.wait_for_selector("#posted")
    posted = posts[0]
    assert set(posted["sealed"]) == {""}  # ours, and the server's own if it put one
    ranks = {k: v for k, v in posted.items() if k.startswith("rank-")}
    assert len(ranks) == 3 and sorted(v[0] for v in ranks.values()) == ["", "", "1"]


def test_a_cast_before_the_bundle_arrives_waits_for_it_and_posts_sealed(
    federation: Federation, live_server: Any, new_phone: Any
) -> None:
    election = _open_vote(federation)
    codec = BallotCodec(3)
    held: list[Any] = []
    page, posts = _ballot_page(new_phone, live_server.url, election, KEY.public.hex(), codec, held)
    page.locator(".ballot-row").nth(2).locator("select").select_option("1")
    page.click("#cast")
    page.click("#cast")  # an impatient second tap changes nothing
    for _ in range(10_000):  # each call lets Playwright hand over the held request
        if held:
            break
        page.evaluate("0")
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_selector("#posted")
    assert len(posts) == 1
    assert not [field for field in posts[0] if field.startswith("rank-")]
    ballot, proof = _read(json.loads(posts[0]["sealed"][0]))
    assert verify_ballot(SEAL_CONTEXT, KEY.public, ballot, proof)
    assert codec.decode([decrypt(KEY.secret, c) for c in ballot]) == (2,)

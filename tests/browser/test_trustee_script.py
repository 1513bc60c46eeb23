"""trustee.js in real Chromium against the Python library, both ways.

The vendored ristretto255 bundle, seal.js and trustee.js are loaded into an empty page
(no Asamblea server; the page is served on an https origin by Playwright's router,
since WebCrypto exists only in a secure context). Every vector of
tests/secrecy/trustee_vectors.json must come out byte for byte; a dealing made in the
browser verifies in Python and its envelopes open in Python; Python's dealings and
envelopes open in the browser to the share Python computes; a whole 2-of-3 ceremony
run in the browser gives a key Python accepts, and factors from the browser and from
Python combine to the plaintexts; a bad dealing is complained about; the share kept
under a passphrase or written as a recovery code comes back, and nothing else does.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import asamblea.ballots
from asamblea.secrecy.bulletin import dealer_from_json, dealer_to_json, factor_share_from_json
from asamblea.secrecy.elgamal import encrypt
from asamblea.secrecy.envelope import open_share, seal_share
from asamblea.secrecy.group import GENERATOR, Point, Scalar
from asamblea.secrecy.threshold import (
    combine_decryption,
    deal,
    joint_key,
    partial_decrypt_each,
    verify_dealer_commitment,
    verify_factor_share,
    verify_share,
)
from support.trustee_vectors import PATH as VECTORS_PATH

pytestmark = pytest.mark.browser

STATIC = Path(asamblea.ballots.__file__).parent / "static" / "ballots"
SCRIPTS = [
    STATIC / "vendor" / "noble-ristretto-2.4.0.min.js",
    STATIC / "seal.js",
    STATIC / "trustee.js",
]
VECTORS = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
ORIGIN = "https://trustee.asamblea.test/"
CONTEXT = "fed-1/stv/42"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.route(
        ORIGIN,
        lambda route: route.fulfill(
            content_type="text/html",
            body="<!doctype html><html><head><title>t</title></head></html>",
        ),
    )
    page.goto(ORIGIN)
    for script in SCRIPTS:
        page.add_script_tag(path=str(script))
    yield page
    context.close()


RUN_VECTORS = """async (v) => {
  const S = window.AsambleaSeal, T = window.AsambleaTrustee;
  const dealings = v.dealings.map((d) => {
    const coefficients = d.coefficients.map(S.scalarFromHex);
    const shares = {};
    for (let i = 1; i <= d.trustees; i++) { shares[String(i)] = S.scalarToHex(T.evaluate(coefficients, i)); }
    return {
      commitment: T.dealerCommitment(d.context, d.dealer, coefficients, S.scalarFromHex(d.nonce)),
      shares, verified: T.verifyDealer(d.context, d.commitment),
    };
  });
  const envelopes = [];
  for (const e of v.envelopes) {
    const sealed = await T.sealShare(e.context, e.dealer, e.recipient, S.pointFromHex(e.device_public),
      S.scalarFromHex(e.share), S.scalarFromHex(e.ephemeral), S.bytesOf(e.iv));
    const opened = await T.openShare(e.context, e.dealer, e.recipient, S.scalarFromHex(e.device_secret), e.envelope);
    envelopes.push({sealed, opened: S.scalarToHex(opened)});
  }
  const factors = v.factors.map((f) =>
    T.partialDecrypt(f.context, f.trustee, f.share, f.ciphertexts, f.nonces.map(S.scalarFromHex)));
  return {dealings, envelopes, factors};
}"""


def test_every_vector_comes_out_of_the_browser_byte_for_byte(page: Any) -> None:
    got = page.evaluate(RUN_VECTORS, VECTORS)
    for vector, out in zip(VECTORS["dealings"], got["dealings"], strict=True):
        assert out == {
            "commitment": vector["commitment"],
            "shares": vector["shares"],
            "verified": True,
        }
    for vector, out in zip(VECTORS["envelopes"], got["envelopes"], strict=True):
        assert out == {"sealed": vector["envelope"], "opened": vector["share"]}
    assert got["factors"] == [v["factor_share"] for v in VECTORS["factors"]]


def device_keys(count: int) -> tuple[list[Scalar], dict[str, str]]:
    secrets = [Scalar.random() for _ in range(count)]
    return secrets, {str(i): Point.base_times(d).hex() for i, d in enumerate(secrets, 1)}


def test_a_dealing_made_in_the_browser_verifies_and_opens_in_python(page: Any) -> None:
    secrets, publics = device_keys(4)
    out = page.evaluate("([p]) => AsambleaTrustee.deal('" + CONTEXT + "', 3, 3, p)", [publics])
    dc = dealer_from_json(out["dealer"])
    assert dc.dealer == 3 and len(dc.commitments) == 3
    assert verify_dealer_commitment(CONTEXT, dc)
    assert not verify_dealer_commitment("fed-1/stv/43", dc)
    assert sorted(out["envelopes"]) == ["1", "2", "3", "4"]
    shares = [
        open_share(CONTEXT, 3, j, secrets[j - 1], out["envelopes"][str(j)]) for j in range(1, 5)
    ]
    assert all(verify_share(dc.commitments, j, s) for j, s in enumerate(shares, 1))
    assert len(set(shares)) == 4
    with pytest.raises(ValueError):  # each envelope is for its recipient only
        open_share(CONTEXT, 3, 2, secrets[0], out["envelopes"]["2"])


OPEN = "([c, i, d, items]) => AsambleaTrustee.openDealings(c, i, d, items)"


def test_python_dealings_open_in_the_browser_to_the_share_python_computes(page: Any) -> None:
    secrets, _ = device_keys(3)
    dealings = [deal(CONTEXT, d, 2, 3) for d in (1, 2, 3)]
    for index in (1, 3):
        items = [
            {
                "dealer": dealer_to_json(dc),
                "envelope": seal_share(
                    CONTEXT, dc.dealer, index, Point.base_times(secrets[index - 1]), shares[index]
                ),
            }
            for dc, shares in dealings
        ]
        got = page.evaluate(OPEN, [CONTEXT, index, secrets[index - 1].hex(), items])
        expected = dealings[0][1][index] + dealings[1][1][index] + dealings[2][1][index]
        assert got == {"share": expected.hex(), "complaints": []}
        verification = page.evaluate("(s) => AsambleaTrustee.verificationKey(s)", got["share"])
        assert (
            verification == joint_key([dc for dc, _ in dealings], 3).verification_keys[index].hex()
        )


def test_a_bad_dealing_is_complained_about_and_left_out_of_the_sum(page: Any) -> None:
    secrets, _ = device_keys(1)
    device = Point.base_times(secrets[0])
    dealings = [deal(CONTEXT, d, 2, 3) for d in (1, 2, 3, 4, 5)]
    items: list[dict[str, Any]] = [
        {"dealer": dealer_to_json(dc), "envelope": seal_share(CONTEXT, dc.dealer, 1, device, sh[1])}
        for dc, sh in dealings
    ]
    # 2: a commitment changed after the proof (the PoK fails).
    items[1]["dealer"]["commitments"][1] = GENERATOR.hex()
    # 3: the envelope holds a share the commitments do not give trustee 1.
    items[2]["envelope"] = seal_share(CONTEXT, 3, 1, device, dealings[2][1][2])
    # 4: one digit of the envelope's ciphertext changed (AES-GCM refuses it).
    envelope = items[3]["envelope"]
    items[3]["envelope"] = envelope[:-1] + ("0" if envelope[-1] != "0" else "1")
    # 5: an envelope sealed to trustee 2's position (the aad and key bind the recipient).
    items[4]["envelope"] = seal_share(CONTEXT, 5, 2, device, dealings[4][1][1])
    got = page.evaluate(OPEN, [CONTEXT, 1, secrets[0].hex(), items])
    assert got == {"share": dealings[0][1][1].hex(), "complaints": [2, 3, 4, 5]}


def test_a_whole_two_of_three_ceremony_in_the_browser_decrypts_with_python(page: Any) -> None:
    ceremony = page.evaluate(
        """async (context) => {
          const T = window.AsambleaTrustee;
          const devices = [1, 2, 3].map(() => T.newDeviceKey());
          const publics = {"1": devices[0].public, "2": devices[1].public, "3": devices[2].public};
          const dealt = [];
          for (const i of [1, 2, 3]) { dealt.push(await T.deal(context, i, 2, publics)); }
          const opened = [];
          for (const i of [1, 2, 3]) {
            const items = dealt.map((d) => ({dealer: d.dealer, envelope: d.envelopes[String(i)]}));
            opened.push(await T.openDealings(context, i, devices[i - 1].secret, items));
          }
          return {devices, dealt, opened,
                  verification: opened.map((o) => T.verificationKey(o.share))};
        }""",
        CONTEXT,
    )
    dealers = [dealer_from_json(d["dealer"]) for d in ceremony["dealt"]]
    assert all(verify_dealer_commitment(CONTEXT, dc) for dc in dealers)
    assert all(o["complaints"] == [] for o in ceremony["opened"])
    key = joint_key(dealers, 3)
    assert [key.verification_keys[i].hex() for i in (1, 2, 3)] == ceremony["verification"]
    # Python opens trustee 3's envelopes with its device secret: the browser's sum.
    secret3 = Scalar.from_hex(ceremony["devices"][2]["secret"])
    share3 = Scalar.from_int(0)
    for dc, dealt in zip(dealers, ceremony["dealt"], strict=True):
        share3 = share3 + open_share(CONTEXT, dc.dealer, 3, secret3, dealt["envelopes"]["3"])
    assert share3.hex() == ceremony["opened"][2]["share"]

    messages = [Point.base_times(Scalar.random()) for _ in range(6)]
    ciphertexts = [encrypt(key.public, m) for m in messages]
    pairs = [c.to_json() for c in ciphertexts]
    decrypt = "([c, i, s, pairs]) => AsambleaTrustee.partialDecrypt(c, i, s, pairs)"
    js = {
        i: factor_share_from_json(
            page.evaluate(decrypt, [CONTEXT, i, ceremony["opened"][i - 1]["share"], pairs])
        )
        for i in (1, 2)
    }
    assert all(verify_factor_share(CONTEXT, key, ciphertexts, s) for s in js.values())
    assert not verify_factor_share("fed-1/stv/43", key, ciphertexts, js[1])
    python3 = partial_decrypt_each(CONTEXT, key, 3, share3, ciphertexts)
    assert combine_decryption(key, ciphertexts, [js[1], python3]) == messages
    assert combine_decryption(key, ciphertexts, [js[1], js[2]]) == messages
    # A factor share under another trustee's number does not verify.
    wrong = page.evaluate(decrypt, [CONTEXT, 2, ceremony["opened"][0]["share"], pairs])
    assert not verify_factor_share(CONTEXT, key, ciphertexts, factor_share_from_json(wrong))


def test_the_share_under_a_passphrase_comes_back_only_with_that_passphrase(page: Any) -> None:
    share = Scalar.random().hex()
    got = page.evaluate(
        """async (share) => {
          const T = window.AsambleaTrustee;
          const wrapped = await T.wrapShare(share, "cóndor pasa 1971");
          const again = await T.wrapShare(share, "cóndor pasa 1971");
          const refused = async (w, p) => { try { await T.unwrapShare(w, p); return null; } catch (e) { return e.message; } };
          const parts = wrapped.split(".");
          parts[3] = (parts[3][0] === "0" ? "1" : "0") + parts[3].slice(1);
          return {
            wrapped, again, back: await T.unwrapShare(wrapped, "cóndor pasa 1971"),
            wrong: await refused(wrapped, "condor pasa 1971"),
            tampered: await refused(parts.join("."), "cóndor pasa 1971"),
            garbage: await refused("not a wrapped share", "cóndor pasa 1971"),
          };
        }""",
        share,
    )
    assert got["back"] == share
    assert got["wrapped"].startswith("pbkdf2-sha256-600000.") and share not in got["wrapped"]
    assert got["again"] != got["wrapped"]  # a fresh salt and iv each time
    assert got["wrong"] == "wrong passphrase"
    assert got["tampered"] == "wrong passphrase"
    assert got["garbage"] == "not a wrapped share"


def test_the_recovery_code_comes_back_and_a_typo_is_refused(page: Any) -> None:
    order = 2**252 + 27742317777372353535851937790883648493
    shares = [Scalar.random().hex() for _ in range(5)]
    shares += [Scalar.from_int(0).hex(), Scalar.from_int(order - 1).hex(), Scalar.from_int(1).hex()]
    got = page.evaluate(
        """(shares) => {
          const T = window.AsambleaTrustee;
          const digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
          const refused = (code) => { try { T.fromRecoveryCode(code); return false; } catch (e) { return true; } };
          return shares.map((share) => {
            const code = T.recoveryCode(share);
            const plain = code.replace(/-/g, "");
            let typos = 0, caught = 0;
            for (let at = 0; at < plain.length; at++) {
              for (const d of digits) {
                if (d === plain[at]) { continue; }
                typos++;
                if (refused(plain.slice(0, at) + d + plain.slice(at + 1))) { caught++; }
              }
            }
            let swaps = 0, swapsCaught = 0;
            for (let at = 0; at + 1 < plain.length; at++) {
              if (plain[at] === plain[at + 1]) { continue; }
              swaps++;
              if (refused(plain.slice(0, at) + plain[at + 1] + plain[at] + plain.slice(at + 2))) { swapsCaught++; }
            }
            const sloppy = code.toLowerCase().replace(/-/g, " ").replace(/0/g, "o").replace(/1/g, "l");
            return {code, back: T.fromRecoveryCode(code), sloppy: T.fromRecoveryCode(sloppy),
                    typos, caught, swaps, swapsCaught, short: refused(code.slice(0, -1)),
                    letterU: refused("U" + plain.slice(1))};
          });
        }""",
        shares,
    )
    for share, out in zip(shares, got, strict=True):
        assert out["back"] == share and out["sloppy"] == share
        groups = out["code"].split("-")
        assert len(groups) == 14 and all(len(g) == 4 for g in groups)
        assert out["typos"] == 56 * 31 and out["caught"] == out["typos"]
        assert out["swapsCaught"] == out["swaps"]  # none for the zero share: all digits 0
        assert out["short"] and out["letterU"]
    assert all(out["swaps"] > 40 for out in got[:5])


def test_bad_input_is_refused_in_the_browser(page: Any) -> None:
    got = page.evaluate(
        """async () => {
          const T = window.AsambleaTrustee;
          const key = T.newDeviceKey().public;
          const fails = async (f) => { try { await f(); return null; } catch (e) { return e.message; } };
          return {
            threshold: await fails(() => T.deal("c", 1, 3, {"1": key, "2": key})),
            gap: await fails(() => T.deal("c", 1, 1, {"1": key, "3": key})),
            dealer: await fails(() => T.deal("c", 3, 1, {"1": key, "2": key})),
            identity: await fails(() => T.deal("c", 1, 1, {"1": "00".repeat(32)})),
            share: await fails(() => T.partialDecrypt("c", 1, "ff".repeat(32), [])),
            point: await fails(() => T.partialDecrypt("c", 1, "00".repeat(32), [["ff".repeat(32), "00".repeat(32)]])),
          };
        }"""
    )
    assert got["threshold"] == "the threshold must be between 1 and the number of trustees"
    assert got["gap"] == "device keys must be numbered 1 to n"
    assert got["dealer"] == "no such trustee"
    assert got["identity"] == "the identity is not a device key"
    assert got["share"] == "not a canonical scalar"
    assert got["point"] is not None

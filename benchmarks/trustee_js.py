"""The trustees' cryptography in the browser (trustee.js): a dealing, checking, decrypting.

Runs the vendored ristretto255 bundle, seal.js and trustee.js in headless Chromium
(Debian's /usr/bin/chromium) on an https origin served by Playwright's router (WebCrypto
needs a secure context) and times, at full speed and under DevTools' CPU throttling:

- `deal` for k of n = 2 of 3, 3 of 5 and 5 of 9 (k commitments, one PoK, n envelopes:
  k + n + 1 fixed-base and n variable-base multiplications, n AES-GCM);
- `openDealings` of n dealings by one trustee (each: a PoK, an envelope, a share check);
- `partialDecrypt` of `--ciphertexts` ciphertexts (per ciphertext: 2 variable-base and
  1 fixed-base multiplications, one SHA-512), and Python's `verify_factor_share` of it,
  which the server runs on every trustee's post;
- `wrapShare` and `unwrapShare` (PBKDF2-SHA256 600,000 iterations, in WebCrypto).

Also prints trustee.js's size (raw and gzip -9). Run:
    PYTHONPATH=src:tests .venv/bin/python benchmarks/trustee_js.py
    PYTHONPATH=src:tests .venv/bin/python benchmarks/trustee_js.py --throttle 1 4 --ciphertexts 1000
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time

from playwright.sync_api import sync_playwright
from seal_js import CHROMIUM_ARGS, STATIC

from asamblea.secrecy.bulletin import factor_share_from_json
from asamblea.secrecy.elgamal import encrypt
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.threshold import ThresholdKey, verify_factor_share

SCRIPTS = [
    STATIC / "vendor" / "noble-ristretto-2.4.0.min.js",
    STATIC / "seal.js",
    STATIC / "trustee.js",
]
ORIGIN = "https://bench.asamblea.test/"

CEREMONY = """async ([k, n, repeat]) => {
  const T = window.AsambleaTrustee;
  const devices = [];
  const publics = {};
  for (let i = 1; i <= n; i++) {
    devices.push(T.newDeviceKey());
    publics[String(i)] = devices[i - 1].public;
  }
  const deals = [];
  let dealt = [];
  for (let r = 0; r < repeat; r++) {
    dealt = [];
    for (let i = 1; i <= n; i++) {
      const t0 = performance.now();
      dealt.push(await T.deal("bench/" + r, i, k, publics));
      deals.push(performance.now() - t0);
    }
  }
  const items = dealt.map((d) => ({dealer: d.dealer, envelope: d.envelopes["1"]}));
  const t0 = performance.now();
  const opened = await T.openDealings("bench/" + (repeat - 1), 1, devices[0].secret, items);
  const open = performance.now() - t0;
  if (opened.complaints.length) { throw new Error("complaints in the benchmark"); }
  return {deals, open};
}"""

DECRYPT = """([share, pairs]) => {
  const t0 = performance.now();
  const out = window.AsambleaTrustee.partialDecrypt("bench", 1, share, pairs);
  return {ms: performance.now() - t0, out};
}"""

WRAP = """async (share) => {
  const T = window.AsambleaTrustee;
  const t0 = performance.now();
  const wrapped = await T.wrapShare(share, "una frase larga de prueba");
  const t1 = performance.now();
  await T.unwrapShare(wrapped, "una frase larga de prueba");
  return {wrap: t1 - t0, unwrap: performance.now() - t1};
}"""


def sizes() -> None:
    print("| file | raw bytes | gzip -9 bytes |")
    print("| --- | ---: | ---: |")
    for path in SCRIPTS[1:]:
        raw = path.read_bytes()
        print(f"| `ballots/{path.name}` | {len(raw):,} | {len(gzip.compress(raw, 9)):,} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throttle", type=float, nargs="+", default=[1, 4])
    parser.add_argument("--ciphertexts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes()
    share = Scalar.random()
    h = Point.base_times(share)
    key = ThresholdKey(1, h, {1: h})
    public = Point.base_times(Scalar.random())
    ciphertexts = [
        encrypt(public, Point.base_times(Scalar.random())) for _ in range(args.ciphertexts)
    ]
    pairs = [c.to_json() for c in ciphertexts]
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        for rate in args.throttle:
            page = browser.new_page()
            page.route(
                ORIGIN,
                lambda route: route.fulfill(
                    content_type="text/html", body="<!doctype html><title>b</title>"
                ),
            )
            page.goto(ORIGIN)
            for script in SCRIPTS:
                page.add_script_tag(path=str(script))
            if rate != 1:
                page.context.new_cdp_session(page).send(
                    "Emulation.setCPUThrottlingRate", {"rate": rate}
                )
            for k, n in ((2, 3), (3, 5), (5, 9)):
                result = page.evaluate(CEREMONY, [k, n, args.repeat])
                rows.append(
                    f"| deal, {k} of {n} | {rate:g}x | {statistics.median(result['deals']):.1f} ms "
                    f"(max {max(result['deals']):.1f}) |"
                )
                rows.append(f"| openDealings, {n} dealings | {rate:g}x | {result['open']:.1f} ms |")
            decrypted = page.evaluate(DECRYPT, [share.hex(), pairs])
            per = decrypted["ms"] / args.ciphertexts
            rows.append(
                f"| partialDecrypt, {args.ciphertexts:,} ciphertexts | {rate:g}x "
                f"| {decrypted['ms']:,.0f} ms ({per:.2f} ms each) |"
            )
            if rate == args.throttle[0]:
                t0 = time.perf_counter()
                ok = verify_factor_share(
                    "bench", key, ciphertexts, factor_share_from_json(decrypted["out"])
                )
                ms = (time.perf_counter() - t0) * 1000
                assert ok, "Python refused the browser's factors"
                rows.append(
                    f"| Python verify_factor_share of them (server) | - "
                    f"| {ms:,.0f} ms ({ms / args.ciphertexts:.2f} ms each) |"
                )
            wrap = page.evaluate(WRAP, share.hex())
            rows.append(
                f"| wrapShare / unwrapShare (PBKDF2 600,000) | {rate:g}x "
                f"| {wrap['wrap']:.0f} ms / {wrap['unwrap']:.0f} ms |"
            )
            page.close()
        print()
        print("| operation | CPU slowdown | time |")
        print("| --- | ---: | ---: |")
        print("\n".join(rows))
        print()
        print(f"Chromium {browser.version}")
        browser.close()


if __name__ == "__main__":
    main()

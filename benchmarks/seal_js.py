"""Sealing a ballot in the browser (seal.js on noble-curves), and what it adds to a page.

Runs the vendored ristretto255 bundle and seal.js in headless Chromium (Debian's
/usr/bin/chromium) and times `AsambleaSeal.seal` for ranked ballots of 3, 8 and 20
candidates ranked in full (1, 2 and 7 ciphertexts), at full speed and with the CPU
slowed down by Chrome's DevTools throttling (4x and 6x are what Lighthouse uses
for a mid-range and a low-end phone). Each seal encodes, encrypts, proves and checks
its own proof (3w + 2w scalar multiplications, w the ciphertexts). The first seal of
a page is timed apart: it builds noble's precomputed table for the base point.

Also prints the bytes the ballot page loads for it: seal.js on every ballot page of
an open vote, the bundle only where the form has a sealing key (raw and gzip -9).

Run:
    PYTHONPATH=src:tests .venv/bin/python benchmarks/seal_js.py
    PYTHONPATH=src:tests .venv/bin/python benchmarks/seal_js.py --throttle 1 6 --repeat 50
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

import asamblea.ballots
from asamblea.secrecy.elgamal import KeyPair
from asamblea.secrecy.encoding import BallotCodec

STATIC = Path(asamblea.ballots.__file__).parent / "static" / "ballots"
FILES = {
    "seal.js": STATIC / "seal.js",
    "bundle": STATIC / "vendor" / "noble-ristretto-2.4.0.min.js",
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

TIME_SEALS = """async ([key, codec, ranking, repeat]) => {
  const first0 = performance.now();
  AsambleaSeal.seal(key, "bench/first", codec, ranking);
  const first = performance.now() - first0;
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    AsambleaSeal.seal(key, "bench/" + i, codec, ranking);
    times.push(performance.now() - t0);
  }
  return {first, times};
}"""


def sizes() -> None:
    print("| file | raw bytes | gzip -9 bytes | loaded |")
    print("| --- | ---: | ---: | --- |")
    for name, path in FILES.items():
        raw = path.read_bytes()
        when = "every ballot page of an open vote" if name == "seal.js" else "forms with a key"
        print(f"| {name} | {len(raw):,} | {len(gzip.compress(raw, 9)):,} | {when} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throttle", type=float, nargs="+", default=[1, 4, 6])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    sizes()
    key = KeyPair.generate().public.hex()
    print()
    print("| candidates (ciphertexts) | CPU slowdown | first seal ms | median ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        for rate in args.throttle:
            for candidates in (3, 8, 20):
                page = browser.new_page()
                page.set_content("<!doctype html><title>bench</title>")
                page.add_script_tag(path=str(FILES["bundle"]))
                page.add_script_tag(path=str(FILES["seal.js"]))
                if rate != 1:
                    cdp = page.context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                codec = BallotCodec(candidates)
                ranking = list(range(candidates))
                result = page.evaluate(
                    TIME_SEALS, [key, json.dumps(codec.describe()), ranking, args.repeat]
                )
                times = result["times"]
                print(
                    f"| {candidates} ({codec.width}) | {rate:g}x | {result['first']:.1f} "
                    f"| {statistics.median(times):.1f} | {max(times):.1f} |"
                )
                page.close()
        print()
        print(f"Chromium {browser.version}")
        browser.close()


if __name__ == "__main__":
    main()

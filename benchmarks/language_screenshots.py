"""Screenshots of a member's main pages in each language, at 360 px, to check by eye.

    .venv/bin/python benchmarks/language_screenshots.py [--out var/screenshots]
        [--languages qu ay es] [--base-url http://127.0.0.1:8000] [--full-page]

Without --base-url it starts the demo by itself (`asamblea up` in a throw-away data
folder, on a free port) and stops it afterwards. It logs in as the demo member
miembro-sutep-huamanga-1, chooses each language with the switcher's cookie and saves
`<out>/<language>/<NN>-<page>.png` (the first screen of each page, or the whole page
with --full-page), in real Chromium (/usr/bin/chromium) through Playwright.

It also measures what a reviewer looks for: a page wider than the screen (something
that makes the whole page scroll sideways) is reported with the element that sticks
out; the exit status is 1 if any page overflows. A table inside its own scrolling box
(`.scroll`) is not an overflow.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
MEMBER = "miembro-sutep-huamanga-1"
PASSWORD = "asamblea-demo"  # the demo's published password (asamblea demo prints it)
WIDTH = 360
HEIGHT = 740

# What sticks out of the page: the widest elements whose right edge passes the screen,
# outside a box that scrolls by itself.
OVERFLOW_JS = """
(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.scroll')) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}` +
               `${typeof el.className === 'string' && el.className ? '.' + el.className : ''}` +
               ` right=${Math.round(r.right)} “${(el.innerText || '').slice(0, 40)}”`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, out: out.slice(0, 5)};
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo_server() -> Iterator[str]:
    """`asamblea up` on a free port in a fresh data folder; its base URL."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="asamblea-shots-") as data:
        env = {**os.environ, "ASAMBLEA_DATA_DIR": data}
        env.pop("DATABASE_URL", None)
        log = Path(data) / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [str(BIN / "asamblea"), "up", "--port", str(port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            base = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 600  # loading the demo takes a while
                while True:
                    with (
                        suppress(OSError),
                        urllib.request.urlopen(f"{base}/healthz", timeout=5) as answer,
                    ):
                        if answer.status == 200:
                            break
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit(f"the demo server did not start:\n{log.read_text()[-2000:]}")
                    time.sleep(1)
                yield base
            finally:
                os.killpg(server.pid, 15)
                server.wait(timeout=60)


def log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", MEMBER)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r".*/me/.*|.*/$"))


def member_pages(page: Page, base: str) -> list[tuple[str, str]]:
    """(name, path) of the member's main pages, found from Mis asambleas."""
    page.goto(f"{base}/me/")
    found = [
        ("login", "/accounts/login/"),
        ("activate", "/accounts/activate/"),
        ("my-assemblies", "/me/"),
        ("assembly", "/f/peru/b/sutep-huamanga/"),
        ("join", "/f/peru/b/sutep-huamanga/join/"),
    ]
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    wanted = {
        "vote": re.compile(r"^/f/peru/e/\d+/$"),
        "referendum": re.compile(r"^/f/peru/r/\d+/$"),
        "call": re.compile(r"^/f/peru/c/\d+/$"),
        "petition": re.compile(r"^/f/peru/recall/\d+/$|^/f/peru/seats/\d+/$"),
    }
    # The assembly's elections and the national assembly's delegates lead to a ballot
    # or a result, and to a delegate's seat (where a recall petition starts).
    for listing in ("/f/peru/b/sutep-huamanga/elections/", "/f/peru/b/nacional/"):
        page.goto(base + listing)
        hrefs += page.eval_on_selector_all(
            "main a[href]", "els => els.map(e => e.getAttribute('href'))"
        )
    for name, pattern in wanted.items():
        path = next((h for h in hrefs if pattern.match(h or "")), None)
        if path:
            found.append((name, path))
    found += [
        ("recall-rules", "/f/peru/recall/rules/"),
        ("record", "/record/peru/"),
        ("notices", "/notices/"),
        ("own-data", "/me/data/"),
    ]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("var/screenshots"))
    parser.add_argument("--languages", nargs="+", default=["qu", "ay"])
    parser.add_argument("--base-url", default="")
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()

    overflowing = 0
    with (
        demo_server() if not args.base_url else nullcontext(args.base_url) as base,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for language in args.languages:
            context = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1
            )
            host = base.split("//")[1].split(":")[0]
            context.add_cookies(
                [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
            )
            page = context.new_page()
            page.set_default_timeout(60_000)
            log_in(page, base)
            folder = args.out / language
            folder.mkdir(parents=True, exist_ok=True)
            for number, (name, path) in enumerate(member_pages(page, base), start=1):
                page.goto(base + path)
                shot = folder / f"{number:02d}-{name}.png"
                page.screenshot(path=str(shot), full_page=args.full_page)
                measured = page.evaluate(OVERFLOW_JS, WIDTH)
                wide = measured["scrollWidth"] > WIDTH
                overflowing += wide
                status = "ok"
                if wide:
                    status = f"OVERFLOWS ({measured['scrollWidth']} px): {measured['out']}"
                print(f"{language} {path:45} {shot.stat().st_size // 1024:4d} KB  {status}")
            context.close()
        browser.close()
    return 1 if overflowing else 0


@contextmanager
def nullcontext(value: str) -> Iterator[str]:
    yield value


if __name__ == "__main__":
    sys.exit(main())

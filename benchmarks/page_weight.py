"""Benchmark: the weight of the eight main pages over slow 3G, in real Chromium (issue 14).

    .venv/bin/python benchmarks/page_weight.py [--data-dir DIR] [--port N]

What it does:

1. Serves the demo as `python3 run.py demo` does: `asamblea up` (migrate, load the
   demo, collect static files where the code does so, serve with waitress) on a data
   folder, a fresh temporary one by default. `--data-dir` reuses a folder that holds
   the demo already (`asamblea up` then loads nothing), so that two runs - the code
   before a change and after it - measure the same database.
2. Opens each page in headless Chromium (/usr/bin/chromium) at 360x740, with the
   network throttled through the DevTools protocol (Network.emulateNetworkConditions:
   400 kbit/s down and up, 400 ms latency - the issue's "slow 3G"):
   - **first visit**: an empty cache (a member's page is opened logged in: the login
     happens unthrottled before, then the cache is emptied, cookies kept);
   - **next visit**: the same page opened again in the same browser right after.
   For each: the bytes that came over the network (Network.loadingFinished's
   encodedDataLength: bodies as sent, compressed or not, plus headers), the requests
   that went to the network, and the page's first paint and first contentful paint
   (PerformancePaintTiming, from the start of the navigation).

The eight pages: the home page, the national assembly's page, a base assembly's page
(SUTEP Base Huamanga), Mis asambleas (/me/, as miembro-sutep-huamanga-1), the open
election's ballot (as a login that has not voted), a counted election's result (the
national assembly's first), the national strike motion, and the join form of the base.

The "next visit" comes right after the first: a static file cached for 60 s is still
fresh then. After those 60 s, each such file costs a revalidation (one round trip,
400 ms here, a few hundred bytes) on every later visit; files with hashed names
cached for a year cost nothing. See docs/performance.md for the figures.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
PASSWORD = "asamblea-demo"
MEMBER = "miembro-sutep-huamanga-1"
BASE = "sutep-huamanga"
SLOW_3G = {
    "offline": False,
    "latency": 400,  # ms, added to every request
    "downloadThroughput": 400_000 / 8,  # bytes per second
    "uploadThroughput": 400_000 / 8,
}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    login: str | None = None


@dataclass(frozen=True)
class Visit:
    bytes: int
    requests: int
    first_paint_ms: float
    first_contentful_paint_ms: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def asamblea_command() -> str:
    command = Path(sys.executable).with_name("asamblea")
    found = str(command) if command.exists() else shutil.which("asamblea")
    if not found:
        sys.exit("the asamblea command is not installed (pip install -e .)")
    return found


def serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """`asamblea up` on `data_dir`; returns once the server answers."""
    env = {**os.environ, "ASAMBLEA_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [asamblea_command(), "up", "--port", str(port), "--threads", "4"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"asamblea up stopped:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(1)
    process.terminate()
    sys.exit("asamblea up did not serve within 30 minutes")


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as answer:  # a local server
        return str(answer.read().decode("utf-8"))


def find_pages(base_url: str, printed: str) -> list[Page]:
    """The eight main pages, found in what `asamblea demo` printed and on the pages."""
    open_vote = re.search(r"Vote now in the open election: (\S+)", printed)
    voters = re.search(r"with a login that has not voted yet: ([^\s,]+)", printed)
    if not open_vote or not voters:
        sys.exit(f"the demo printed no open election:\n{printed}")
    election = re.search(r"/f/peru/e/(\d+)/", open_vote.group(1))
    if not election:
        sys.exit(f"no election in {open_vote.group(1)}")
    national_elections = fetch(f"{base_url}/f/peru/b/nacional/elections/")
    counted = re.findall(r'href="(/f/peru/e/\d+/)"', national_elections)
    motions = fetch(f"{base_url}/f/peru/b/nacional/motions/")
    motion = re.search(r'href="(/f/peru/m/\d+/)"', motions)
    if not counted or not motion:
        sys.exit("the national assembly shows no election or no motion")
    result = next(
        (path for path in counted if path != f"/f/peru/e/{election.group(1)}/"), counted[0]
    )
    return [
        Page("home", "/"),
        Page("national assembly", "/f/peru/b/nacional/"),
        Page("base assembly", f"/f/peru/b/{BASE}/"),
        Page("Mis asambleas", "/me/", MEMBER),
        Page("election ballot", f"/f/peru/e/{election.group(1)}/ballot/", voters.group(1)),
        Page("election result", result),
        Page("motion", motion.group(1)),
        Page("join", f"/f/peru/b/{BASE}/join/"),
    ]


def log_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def visit(page: Any, cdp: Any, url: str) -> Visit:
    """Open `url` and wait for its load event and paints; what came over the network."""
    received: dict[str, int] = {}
    finished: dict[str, int] = {}

    def on_response(event: dict[str, Any]) -> None:
        if not event["response"].get("fromDiskCache") and not event["response"].get(
            "fromPrefetchCache"
        ):
            received[event["requestId"]] = 0

    def on_finished(event: dict[str, Any]) -> None:
        finished[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="load")
    # Paint entries come after load on a slow page at the latest: wait for them.
    page.wait_for_function(
        "performance.getEntriesByType('paint').length >= 2", timeout=60_000, polling=100
    )
    page.wait_for_timeout(500)  # requests started by the load (htmx) finish
    paints = {
        entry["name"]: float(entry["startTime"])
        for entry in page.evaluate(
            "performance.getEntriesByType('paint')"
            ".map(e => ({name: e.name, startTime: e.startTime}))"
        )
    }
    cdp.remove_listener("Network.responseReceived", on_response)
    cdp.remove_listener("Network.loadingFinished", on_finished)
    network = [request for request in received if request in finished]
    return Visit(
        bytes=sum(finished[request] for request in network),
        requests=len(network),
        first_paint_ms=paints.get("first-paint", float("nan")),
        first_contentful_paint_ms=paints.get("first-contentful-paint", float("nan")),
    )


def measure(base_url: str, pages: list[Page]) -> list[tuple[Page, Visit, Visit]]:
    from playwright.sync_api import sync_playwright

    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        for target in pages:
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            if target.login:
                log_in(page, base_url, target.login)
            page.goto("about:blank")
            cdp.send("Network.clearBrowserCache")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            first = visit(page, cdp, base_url + target.path)
            page.goto("about:blank")
            again = visit(page, cdp, base_url + target.path)
            rows.append((target, first, again))
            context.close()
        browser.close()
    return rows


def table(rows: list[tuple[Page, Visit, Visit]]) -> str:
    lines = [
        "| page | first visit | requests | next visit | requests | first paint | FCP |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for page, first, again in rows:
        lines.append(
            f"| {page.name} (`{page.path}`) | {first.bytes / 1000:.1f} KB | {first.requests} "
            f"| {again.bytes / 1000:.1f} KB | {again.requests} "
            f"| {first.first_paint_ms:.0f} ms | {first.first_contentful_paint_ms:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="a data folder (reused if it holds the demo)")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    arguments = parser.parse_args()
    temporary = None
    if arguments.data_dir:
        data_dir = Path(arguments.data_dir).resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="asamblea-weight-")
        data_dir = Path(temporary.name)
    port = arguments.port or free_port()
    log = data_dir / "page_weight_server.log"
    print(f"Serving the demo from {data_dir} on port {port} (minutes on a fresh folder)...")
    server = serve(data_dir, port, log)
    try:
        base_url = f"http://127.0.0.1:{port}"
        pages = find_pages(base_url, log.read_text(errors="replace"))
        print(table(measure(base_url, pages)))
        print(
            "Chromium, 360x740, throttled to 400 kbit/s down and up with 400 ms latency; "
            "bytes as received (compressed, with headers)."
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        if temporary:
            temporary.cleanup()


if __name__ == "__main__":
    main()

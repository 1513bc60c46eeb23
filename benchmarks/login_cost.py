"""What a request to the login page costs in CPU, beside other simple pages, in-process.

    ASAMBLEA_DATA_DIR=/tmp/x .venv/bin/python benchmarks/login_cost.py [--requests N] [--profile]

On a fresh SQLite database in the data folder (migrated here; a throw-away login made
with the site's password hasher), through Django's test client (the whole middleware
stack, no network): the CPU time of the process (`time.process_time`) per request,
median of N, for GET /accounts/login/, GET /accounts/password_reset/ (another form
with a CSRF token), GET / (home) and GET /healthz; then POST /accounts/login/ with the
right password, and with a wrong one, and the password hasher's own `verify` alone.
CPU time, not wall time, so that a loaded machine shifts the figures less. With
--profile, cProfile's top functions (cumulative, then own time) for the GET and the
POST of the login.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

PASSWORD = "login cost 2026"  # a throw-away benchmark login


def per_request(run: Callable[[], object], n: int) -> tuple[float, float]:
    """Median and minimum CPU milliseconds of `run`, after two warm-up calls."""
    run()
    run()
    times = []
    for _ in range(n):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times), min(times)


def profile(run: Callable[[], object], n: int, title: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        run()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(12)
    print(f"\n--- profile: {title} ({n} requests)\n{out.getvalue()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--posts", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if "ASAMBLEA_DATA_DIR" not in os.environ:
        sys.exit("set ASAMBLEA_DATA_DIR to a throw-away folder")
    Path(os.environ["ASAMBLEA_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asamblea.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.ERROR)  # one warning per wrong password
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import get_hasher, make_password
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's
    call_command("migrate", verbosity=0)
    call_command("axes_reset", verbosity=0)  # an earlier run's lockouts
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="login-cost")
    user.password = make_password(PASSWORD)
    user.save()
    hasher = get_hasher()
    print(f"hasher: {hasher.algorithm} {hasher.safe_summary(user.password)}")
    print(f"PASSWORD_HASHERS[0]: {settings.PASSWORD_HASHERS[0]}")

    client = Client()  # a visitor: no session yet, as wrk's requests were
    pages = ["/accounts/login/", "/accounts/password_reset/", "/", "/healthz"]
    for page in pages:
        status = client.get(page).status_code
        assert status == 200, f"{page}: {status}"
        median, least = per_request(lambda page=page: client.get(page), args.requests)
        print(f"GET {page:28} CPU/request median {median:6.2f} ms  min {least:6.2f} ms")

    attempts = iter(range(1_000_000))

    visitor = Client()  # one client (a new one loads the middleware again), no cookies

    def login(password: str) -> Callable[[], object]:
        def run() -> object:
            visitor.cookies.clear()
            # A wrong password under a new name each time: the throttle locks a name out
            # after a few failures (it still counts each one, in the database).
            username = "login-cost" if password == PASSWORD else f"nobody-{next(attempts)}"
            answer = visitor.post("/accounts/login/", {"username": username, "password": password})
            assert answer.status_code == (302 if password == PASSWORD else 200), answer
            return answer

        return run

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, run in [("GET /accounts/login/", lambda: client.get("/accounts/login/"))]:
        with CaptureQueriesContext(connection) as queries:
            run()
        print(f"{name}: {len(queries)} SQL statements")
    with CaptureQueriesContext(connection) as queries:
        login(PASSWORD)()
    print(f"POST /accounts/login/ (right): {len(queries)} SQL statements")
    median, least = per_request(login(PASSWORD), args.posts)
    print(f"POST /accounts/login/ (right)        CPU median {median:6.2f} ms  min {least:6.2f} ms")
    median, least = per_request(login("wrong password"), args.posts)
    print(f"POST /accounts/login/ (wrong)        CPU median {median:6.2f} ms  min {least:6.2f} ms")
    median, least = per_request(lambda: hasher.verify(PASSWORD, user.password), args.posts)
    print(f"hasher.verify alone                  CPU median {median:6.2f} ms  min {least:6.2f} ms")
    start = time.perf_counter()
    for _ in range(args.posts):
        hasher.verify(PASSWORD, user.password)
    wall = (time.perf_counter() - start) * 1000 / args.posts
    print(f"hasher.verify alone                  wall {wall:6.2f} ms")

    if args.profile:
        profile(lambda: client.get("/accounts/login/"), args.requests, "GET /accounts/login/")
        profile(lambda: client.get("/"), args.requests, "GET /")
        profile(login(PASSWORD), args.posts, "POST /accounts/login/")


if __name__ == "__main__":
    main()

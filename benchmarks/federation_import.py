"""Benchmark: import the Peru template with all 1,891 districts as base assemblies.

Runs the real `asamblea federation import` path (parse, check, bulk insert,
apportion every council, append every public record entry) into a fresh
database, on SQLite and on PostgreSQL, and prints the wall time of each.

    .venv/bin/python benchmarks/federation_import.py [--pg postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_once(env: dict[str, str], template: Path) -> float:
    subprocess.run([sys.executable, "-m", "asamblea.cli", "migrate"], env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "asamblea.cli", "federation", "import", str(template)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "peru-all.json"
        with template.open("w", encoding="utf-8") as out:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "asamblea.cli",
                    "federation",
                    "template",
                    "peru",
                    "--districts",
                    "all",
                ],
                stdout=out,
                check=True,
            )
        bodies = len(json.loads(template.read_text(encoding="utf-8"))["bodies"])
        results = {}
        env = {**os.environ, "ASAMBLEA_DATA_DIR": tmp}
        env.pop("DATABASE_URL", None)
        results["sqlite"] = run_once(env, template)

        import psycopg

        name = "asamblea_bench_import"
        with psycopg.connect(args.pg, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        pg_url = args.pg.rsplit("/", 1)[0] + "/" + name
        try:
            results["postgresql"] = run_once({**env, "DATABASE_URL": pg_url}, template)
        finally:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")
    print(f"Peru template, {bodies} bodies (1,891 district assemblies), one import each:")
    for backend, seconds in results.items():
        print(
            f"  {backend:<10} {seconds:6.2f} s (process start, parse, checks, inserts, "
            "apportionment, record entries)"
        )


if __name__ == "__main__":
    main()

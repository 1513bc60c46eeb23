"""The vendored ristretto255 bundle is the one its README says how to rebuild."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import asamblea.ballots

VENDOR = Path(asamblea.ballots.__file__).parent / "static" / "ballots" / "vendor"
BUNDLE = VENDOR / "noble-ristretto-2.4.0.min.js"
SHA256 = "5c737b786b0043adf39435d469e07b8b37837f0d3d0f4e466992a5f394fbe58e"


def test_the_committed_bundle_has_the_hash_its_readme_gives() -> None:
    assert hashlib.sha256(BUNDLE.read_bytes()).hexdigest() == SHA256
    assert SHA256 in (VENDOR / "README.md").read_text()


def test_the_build_recipe_pins_the_versions_in_the_file_name() -> None:
    lock = (VENDOR / "build" / "package-lock.json").read_text()
    for package in ("@noble/curves", "@noble/hashes"):
        assert f'"node_modules/{package}": {{\n      "version": "2.4.0"' in lock
    assert (VENDOR / "LICENSE").read_text().startswith("The MIT License")


def test_seal_js_pins_the_bundle_by_its_subresource_integrity() -> None:
    digest = base64.b64encode(hashlib.sha384(BUNDLE.read_bytes()).digest()).decode()
    seal = (VENDOR.parent / "seal.js").read_text(encoding="utf-8")
    assert f'var VENDOR_INTEGRITY = "sha384-{digest}";' in seal

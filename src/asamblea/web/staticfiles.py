"""Static files with hashed names, compressed once (gzip and Brotli) by `collectstatic`.

`asamblea serve` (and `asamblea up`) collect them before serving: WhiteNoise then sends
`asamblea.4c1d….css` with `Cache-Control: max-age=315360000, immutable` and in the
encoding the browser accepts. Before anything was collected (tests, a bare
`asamblea manage runserver`) pages name the files plainly, served from the source
folders, uncompressed and cached for a minute, rather than failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from whitenoise.storage import CompressedManifestStaticFilesStorage

UNCOMPRESSED = ("ninja/",)


# WhiteNoise ships no type information: its class is Any to mypy.
class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # nothing collected: no manifest to read names from
            return name
        return str(super().stored_name(name))

    def compress_files(self, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
        # Not the API's documentation page (django-ninja's Swagger UI and ReDoc: megabytes
        # for a developer's desktop, served plain): compressing it took most of a minute
        # at every start of the server.
        kept = [path for path in paths if not path.startswith(UNCOMPRESSED)]
        yield from super().compress_files(kept)

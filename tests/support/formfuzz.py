"""Fuzzing a web form (tests/web/test_form_fuzz.py, test_officer_form_fuzz.py): a Form to
post, hypothesis strategies for hostile bodies, and the check that a post answers below
500, shows no traceback, and moves the form's tables by one whole change or not at all."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_from_bytes

from django.db.models import Model
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.language import english

EXAMPLES = 20  # per form; the whole module stays well under a minute on SQLite
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAME = re.compile(rb'name="([^"]+)"')
VALUE = re.compile(rb'value="([^"]*)"')
PLAUSIBLE = [b"Ana Quispe", b"+51 900 111 222", b"ana@example.org", b"yes", b"no", b"approve"]
ONCE = re.compile(rb'name="once" value="([^"]+)"')


@dataclass
class Form:
    """A form to fuzz: who posts it, where, and which tables move together when it works."""

    client: Client
    page: str  # the page that shows the form (and its one-time token)
    action: str  # where the form posts
    together: tuple[type[Model], ...]  # rows that appear together, one each, or not at all
    also: tuple[type[Model], ...] = ()  # rows that may each change by at most one
    ids: list[int] = field(default_factory=list)  # real ids to forge with (another body's)
    valid: dict[str, str] = field(default_factory=dict)  # a post that works, to spoil a little


def client_for(user: Any | None) -> Client:
    client = english(Client())
    if user is not None:
        client.force_login(user)
    return client


HUGE = "x" * 100_000
raw_bytes = st.sampled_from(
    [b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b"\xc3", b"a\x00b", b"\x1b[31m", b"\r\n\t\x7f"]
)
text_values = st.one_of(
    st.sampled_from(["", " ", HUGE, "ñandú" * 20_000, "\x00", "<script>", "1/0", "NaN", "-1"]),
    st.sampled_from(["0", "-5", str(2**70), str(-(2**70)), "1e999", "true", "[]", "{}", "yes"]),
    st.text(max_size=40),
).map(lambda value: value.encode("utf-8", "surrogatepass"))


@st.composite
def posts(
    draw: st.DrawFn, form: Form, names: list[str], values: list[bytes]
) -> list[tuple[bytes, bytes]]:
    """A form body as (name, value) byte pairs: some fields missing, some twice; often a
    working post with a few of its fields spoilt."""
    pairs: list[tuple[bytes, bytes]] = []
    ids = form.ids
    if draw(st.booleans()):
        pairs = [(k.encode(), v.encode()) for k, v in form.valid.items()]
    chosen = draw(st.lists(st.sampled_from([*names, "id", "pk", "extra"]), max_size=8))
    for name in chosen:
        value = draw(
            st.one_of(
                text_values,
                raw_bytes,
                st.sampled_from(values + PLAUSIBLE),
                st.sampled_from(ids or [1]).map(lambda pk: str(pk).encode()),
            )
        )
        if draw(st.booleans()):  # replace the field, or else send it once more
            pairs = [pair for pair in pairs if pair[0] != name.encode()]
        pairs.append((name.encode(), value))
    return pairs


def counts(models: tuple[type[Model], ...]) -> list[int]:
    return [model.objects.count() for model in models]  # type: ignore[attr-defined]


def fuzz_form(form: Form, kind: str) -> None:
    """Post the form EXAMPLES times with hostile bodies and one-time tokens."""
    page = form.client.get(form.page)
    assert page.status_code == 200, (kind, page.status_code)
    names = sorted({n.decode() for n in NAME.findall(page.content)} - {"csrfmiddlewaretoken"})
    values = sorted(set(VALUE.findall(page.content)))
    spent: list[bytes] = []

    @FUZZ
    @given(
        body=posts(form, names, values),
        token=st.sampled_from(["fresh", "fresh", "spent", "forged", "none"]),
    )
    def post(body: list[tuple[bytes, bytes]], token: str) -> None:
        pairs = [pair for pair in body if pair[0] != b"once"]
        if token == "fresh":
            match = ONCE.search(form.client.get(form.page).content)
            if match:
                pairs.append((b"once", match.group(1)))
                spent.append(match.group(1))
        elif token == "spent" and spent:
            pairs.append((b"once", spent[0]))
        elif token == "forged":
            pairs.append((b"once", b"A" * 22))
        data = "&".join(f"{quote_from_bytes(k)}={quote_from_bytes(v)}" for k, v in pairs)
        before_together, before_also = counts(form.together), counts(form.also)
        response = form.client.post(
            form.action, data, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, (kind, response.status_code, pairs[:3])
        assert b"Traceback" not in response.content
        moved = {a - b for a, b in zip(counts(form.together), before_together, strict=True)}
        assert moved <= {0} or moved == {1}, (kind, moved)
        for after, before in zip(counts(form.also), before_also, strict=True):
            assert after - before in (-1, 0, 1), kind

    post()


FORGED_IDS = ["-1", str(2**70), "abc", "\x00", "", "1.5"]


def post_forged_ids(form: Form, kind: str, name: str) -> None:
    """Each forged id in `name` of an otherwise working post: a 4xx, nothing written."""
    for value in FORGED_IDS:
        match = ONCE.search(form.client.get(form.page).content)
        fields = {**form.valid, name: value}
        if match:
            fields["once"] = match.group(1).decode()
        before = counts(form.together), counts(form.also)
        response = form.client.post(form.action, fields)
        assert 400 <= response.status_code < 500, (kind, value, response.status_code)
        assert b"Traceback" not in response.content
        assert (counts(form.together), counts(form.also)) == before, (kind, value)

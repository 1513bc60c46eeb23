"""The demo's deliberation: a national motion with mandates from several regions (one
broken), a referendum under way, a call to action with uptake reports on the map."""

from __future__ import annotations

import pytest
from django.test import Client

from asamblea.deliberation import recount as _registers_checks  # noqa: F401
from asamblea.deliberation.demo import DEMO_MOTION, deliberation_summary, load_deliberation_demo
from asamblea.deliberation.models import CallToAction, Mandate, Motion, Referendum
from asamblea.federation.demo import load_demo
from asamblea.federation.models import Federation
from asamblea.record.verify import verify_lines
from deliberation.helpers import export
from support.language import english

pytestmark = pytest.mark.django_db


def test_the_demo_has_mandates_a_referendum_under_way_and_a_call_with_reports():
    load_demo(members_per_body=(4, 7), seed=3)
    assert load_deliberation_demo() is True
    assert load_deliberation_demo() is False  # idempotent
    federation = Federation.objects.get(slug="peru")
    strike = Motion.objects.get(title=DEMO_MOTION, kind=Motion.Kind.MOTION)
    assert strike.status == Motion.Status.PASSED
    mandates = dict(Mandate.objects.filter(motion=strike).values_list("body__slug", "instruction"))
    assert mandates == {"region-ayacucho": "yes", "region-cusco": "yes", "region-puno": "no"}
    breaches = [c for c in strike.result["compliance"] if c["compliance"] == "broke"]
    assert len(breaches) == 1 and breaches[0]["from"] == "region-puno"
    assert "defensa del agua" in strike.text  # the amendment passed first
    referendum = Referendum.objects.get(federation=federation)
    assert referendum.status == Referendum.Status.VOTING
    assert 0 < referendum.roll.filter(voted_body__isnull=False).count() < referendum.electorate
    call = CallToAction.objects.get(federation=federation)
    summary = deliberation_summary()
    assert summary["uptake_reports"] >= 40 and summary["calls"] == 1
    page = english(Client()).get(f"/f/peru/c/{call.pk}/").content.decode()
    assert "<svg" in page and page.count("<path") == 26
    assert 'data-region="05"' in page
    public = english(Client()).get(f"/f/peru/r/{referendum.pk}/").content.decode()
    assert "Turnout, live" in public
    report = verify_lines(export(federation))
    assert report.checked["motion.counted"] >= 5

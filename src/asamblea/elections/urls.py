"""Election pages, under /f/<federation>/ (included from asamblea.urls)."""

from __future__ import annotations

from django.urls import path

from asamblea.elections import trustee_views, views

urlpatterns = [
    path("b/<slug:body_slug>/elections/", views.election_list, name="elections"),
    path("b/<slug:body_slug>/elections/new/", views.election_new, name="election_new"),
    path("e/<int:election_id>/", views.election_page, name="election"),
    path("e/<int:election_id>/turnout/", views.turnout, name="election_turnout"),
    path("e/<int:election_id>/stand/", views.stand, name="election_stand"),
    path("e/<int:election_id>/nominate/", views.nominate, name="election_nominate"),
    path(
        "e/<int:election_id>/candidacies/<int:candidacy_id>/accept/",
        views.candidacy_action,
        {"action": "accept"},
        name="candidacy_accept",
    ),
    path(
        "e/<int:election_id>/candidacies/<int:candidacy_id>/withdraw/",
        views.candidacy_action,
        {"action": "withdraw"},
        name="candidacy_withdraw",
    ),
    path(
        "e/<int:election_id>/close-nominations/",
        views.close_nominations,
        name="election_close_nominations",
    ),
    path("e/<int:election_id>/cancel/", views.cancel, name="election_cancel"),
    path("e/<int:election_id>/close-now/", views.close_now, name="election_close_now"),
    path("e/<int:election_id>/ballot/", views.ballot, name="ballot"),
    path("e/<int:election_id>/tracker/", views.tracker, name="election_tracker"),
    path("e/<int:election_id>/trustees/", trustee_views.trustees_page, name="election_trustees"),
    path("e/<int:election_id>/ceremony/", trustee_views.ceremony, name="trustee_ceremony"),
    path(
        "e/<int:election_id>/ceremony/state/",
        trustee_views.ceremony_state,
        name="trustee_ceremony_state",
    ),
    path(
        "e/<int:election_id>/ceremony/device/",
        trustee_views.ceremony_device,
        name="trustee_ceremony_device",
    ),
    path(
        "e/<int:election_id>/ceremony/deal/",
        trustee_views.ceremony_deal,
        name="trustee_ceremony_deal",
    ),
    path(
        "e/<int:election_id>/ceremony/check/",
        trustee_views.ceremony_check,
        name="trustee_ceremony_check",
    ),
    path("e/<int:election_id>/open-box/", trustee_views.decrypt, name="trustee_decrypt"),
    path(
        "e/<int:election_id>/open-box/ciphertexts/",
        trustee_views.decrypt_ciphertexts,
        name="trustee_decrypt_ciphertexts",
    ),
    path(
        "e/<int:election_id>/open-box/share/",
        trustee_views.decrypt_share,
        name="trustee_decrypt_share",
    ),
]

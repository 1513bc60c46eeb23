"""Election pages, under /f/<federation>/ (included from asamblea.urls)."""

from __future__ import annotations

from django.urls import path

from asamblea.elections import views

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
]

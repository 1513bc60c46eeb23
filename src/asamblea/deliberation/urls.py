"""Deliberation pages, under /f/<federation>/ (included from asamblea.urls)."""

from __future__ import annotations

from django.urls import path

from asamblea.deliberation import views

urlpatterns = [
    path("b/<slug:body_slug>/motions/", views.motion_list, name="motions"),
    path("b/<slug:body_slug>/motions/new/", views.motion_new, name="motion_new"),
    path("b/<slug:body_slug>/mandates/", views.mandates_page, name="mandates"),
    path(
        "b/<slug:body_slug>/mandates/<int:motion_id>/recall/<int:seat_id>/",
        views.recall_for_breach,
        name="recall_for_breach",
    ),
    path("b/<slug:body_slug>/resolutions/<int:number>/", views.resolution_page, name="resolution"),
    path("b/<slug:body_slug>/resolutions/<int:number>/call/", views.call_issue, name="call_issue"),
    path("b/<slug:body_slug>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("b/<slug:body_slug>/calls/", views.body_calls, name="body_calls"),
    path("b/<slug:body_slug>/calls/<int:call_id>/report/", views.call_report, name="call_report"),
    path("m/<int:motion_id>/", views.motion_page, name="motion"),
    path("m/<int:motion_id>/live/", views.motion_live, name="motion_live"),
    path("m/<int:motion_id>/second/", views.motion_second, name="motion_second"),
    path("m/<int:motion_id>/withdraw/", views.motion_withdraw, name="motion_withdraw"),
    path("m/<int:motion_id>/amend/", views.motion_amend, name="motion_amend"),
    path("m/<int:motion_id>/comment/", views.motion_comment, name="motion_comment"),
    path("m/<int:motion_id>/open/", views.motion_open, name="motion_open"),
    path("m/<int:motion_id>/vote/", views.motion_vote, name="motion_vote"),
    path("m/<int:motion_id>/close/", views.motion_close, name="motion_close"),
    path("m/<int:motion_id>/referendum/", views.motion_referendum, name="motion_referendum"),
    path(
        "m/<int:motion_id>/mandate/<slug:body_slug>/", views.motion_mandate, name="motion_mandate"
    ),
    path("meetings/<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("meetings/<int:meeting_id>/live/", views.meeting_live, name="meeting_live"),
    path("meetings/<int:meeting_id>/action/", views.meeting_action, name="meeting_action"),
    path("r/<int:referendum_id>/", views.referendum_page, name="referendum"),
    path("r/<int:referendum_id>/live/", views.referendum_live, name="referendum_live"),
    path("r/<int:referendum_id>/vote/", views.referendum_vote, name="referendum_vote"),
    path("r/<int:referendum_id>/close/", views.referendum_close, name="referendum_close"),
    path("c/<int:call_id>/", views.call_page, name="call"),
]

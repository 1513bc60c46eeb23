"""Pages of the room, under /f/<federation>/ (included from asamblea.urls)."""

from __future__ import annotations

from django.urls import path

from asamblea.meetings import offline_views, paper_views, views

urlpatterns = [
    path("meetings/<int:meeting_id>/room/", views.room_page, name="meeting_room"),
    path("meetings/<int:meeting_id>/room/live/", views.room_live, name="meeting_room_live"),
    path("meetings/<int:meeting_id>/room/roll/", views.roll_print, name="meeting_roll_print"),
    path("meetings/<int:meeting_id>/room/setup/", views.room_setup, name="meeting_room_setup"),
    path("meetings/<int:meeting_id>/room/action/", views.room_action, name="meeting_room_action"),
    path("meetings/<int:meeting_id>/room/desk/", offline_views.desk, name="meeting_desk"),
    path(
        "meetings/<int:meeting_id>/room/sw.js", offline_views.service_worker, name="meeting_room_sw"
    ),
    path("meetings/<int:meeting_id>/room/sync/", offline_views.sync, name="meeting_room_sync"),
    path("meetings/<int:meeting_id>/checkin/<str:token>/", views.checkin, name="meeting_checkin"),
    path("meetings/<int:meeting_id>/screen/", views.screen, name="meeting_screen"),
    path("meetings/<int:meeting_id>/screen/live/", views.screen_live, name="meeting_screen_live"),
    path("meetings/<int:meeting_id>/acta/", views.acta_page, name="meeting_acta"),
    path("meetings/<int:meeting_id>/acta/sign/", views.acta_sign, name="meeting_acta_sign"),
    path("meetings/<int:meeting_id>/acta/pdf/", views.acta_pdf, name="meeting_acta_pdf"),
    path(
        "meetings/<int:meeting_id>/room/paper/", paper_views.paper_open, name="meeting_paper_open"
    ),
    path(
        "meetings/<int:meeting_id>/room/paper/<int:vote_id>/",
        paper_views.paper_page,
        name="meeting_paper",
    ),
    path(
        "meetings/<int:meeting_id>/room/paper/<int:vote_id>/action/",
        paper_views.paper_action,
        name="meeting_paper_action",
    ),
    path(
        "meetings/<int:meeting_id>/room/paper/<int:vote_id>/print/",
        paper_views.paper_print,
        name="meeting_paper_print",
    ),
]

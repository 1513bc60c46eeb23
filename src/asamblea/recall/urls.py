"""Recall pages, under /f/<federation>/ (included from asamblea.urls)."""

from __future__ import annotations

from django.urls import path

from asamblea.recall import views

urlpatterns = [
    path("seats/<int:seat_id>/", views.seat_page, name="seat"),
    path("seats/<int:seat_id>/recall/", views.open_petition, name="recall_open"),
    path("seats/<int:seat_id>/vacate/", views.vacate, name="seat_vacate"),
    path("recall/<int:petition_id>/", views.petition_page, name="recall_petition"),
    path("recall/<int:petition_id>/sign/", views.sign, name="recall_sign"),
    path("recall/rules/", views.rules_page, name="recall_rules"),
]

"""Pages of the public record, under /record/ (see record_views.py)."""

from __future__ import annotations

from django.urls import path

from asamblea.federation import record_views as views

urlpatterns = [
    path("key/", views.key_page, name="record_key"),
    path("<slug:federation_slug>/", views.log_page, name="record"),
    path("<slug:federation_slug>/find/", views.find_page, name="record_find"),
    path("<slug:federation_slug>/entries/<int:index>/", views.entry_page, name="record_entry"),
    path("<slug:federation_slug>/b/<slug:body_slug>/", views.body_log_page, name="record_body"),
    path("<slug:federation_slug>/export.jsonl", views.export_download, name="record_export"),
]

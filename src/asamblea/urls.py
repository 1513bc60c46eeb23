from django.contrib.auth import views as auth_views
from django.urls import include, path

from asamblea.accounts.login import AsambleaLoginView
from asamblea.federation import me_views
from asamblea.federation import views as federation_views
from asamblea.web import icons
from asamblea.web.health import healthz

handler500 = "asamblea.web.errors.server_error"

urlpatterns = [
    path("", federation_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("asamblea.api.urls")),
    path("accounts/login/", AsambleaLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("asamblea.accounts.urls")),
    path("", include("asamblea.notices.urls")),
    path("f/<slug:federation_slug>/", federation_views.federation_page, name="federation"),
    path("f/<slug:federation_slug>/b/<slug:body_slug>/", federation_views.body_page, name="body"),
    path("f/<slug:federation_slug>/b/<slug:body_slug>/join/", federation_views.join, name="join"),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/members/",
        federation_views.members,
        name="members",
    ),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/members/<int:membership_id>/decide/",
        federation_views.decide,
        name="decide",
    ),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/officers/",
        federation_views.appoint_officer,
        name="appoint_officer",
    ),
    path("f/<slug:federation_slug>/", include("asamblea.elections.urls")),
    path("record/", include("asamblea.federation.record_urls")),
    path("me/", me_views.my_assemblies, name="my_assemblies"),
    path("me/data/", me_views.own_data, name="own_data"),
    path("me/data/details/", me_views.own_details, name="own_details"),
    path("me/data/language/", me_views.own_language, name="own_language"),
    path("me/leave/<int:membership_id>/", me_views.own_leave, name="own_leave"),
    path("me/delete/", me_views.own_delete, name="own_delete"),
    path("f/<slug:federation_slug>/", include("asamblea.recall.urls")),
    path("f/<slug:federation_slug>/", include("asamblea.deliberation.urls")),
    path("f/<slug:federation_slug>/", include("asamblea.meetings.urls")),
    # For monitoring: the database, the worker's last tick, what is overdue (no personal data).
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says; phones read the manifest to
    # add the site to the home screen as an app.
    path("favicon.ico", icons.favicon, name="favicon"),
    path("manifest.webmanifest", icons.manifest, name="manifest"),
]

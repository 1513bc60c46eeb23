from django.urls import path

from asamblea.notices import views

urlpatterns = [
    path("notices/", views.notices_page, name="notices"),
    path("notices/<int:notice_id>/", views.open_notice, name="notice_open"),
    path("notices/read/", views.mark_all_read, name="notices_mark_all_read"),
    path("notices/stop/<str:token>/", views.unsubscribe, name="notices_unsubscribe"),
    path("me/notices/", views.preferences, name="notice_preferences"),
]

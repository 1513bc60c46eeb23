from django.urls import path

from asamblea.accounts import views

urlpatterns = [
    path("accounts/login/code/", views.login_code, name="login_code"),
    path("accounts/second-factor/", views.second_factor_page, name="second_factor"),
    path("accounts/second-factor/set-up/", views.enrol, name="second_factor_enrol"),
    path(
        "accounts/second-factor/recovery-codes/",
        views.new_recovery_codes,
        name="second_factor_recovery_codes",
    ),
    path("accounts/second-factor/remove/", views.remove_second_factor, name="second_factor_remove"),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/officers/trail/",
        views.officer_trail,
        name="officer_trail",
    ),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from asamblea.accounts import activation_views, passkey_views, views
from asamblea.accounts.activation_views import password_reset

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
    path("accounts/activate/", activation_views.activate, name="activate"),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/members/activation/",
        activation_views.activation_codes,
        name="activation_codes",
    ),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/members/activation/slips/",
        activation_views.activation_slips,
        name="activation_slips",
    ),
    path(
        "f/<slug:federation_slug>/b/<slug:body_slug>/members/<int:membership_id>/activation/",
        activation_views.new_activation_code,
        name="new_activation_code",
    ),
    # Django's own password views, in our templates.
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "accounts/password_reset/",
        password_reset,
        name="password_reset",
    ),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("accounts/passkeys/", passkey_views.passkey_page, name="passkeys"),
    path("accounts/passkeys/options/", passkey_views.passkey_options, name="passkey_options"),
    path("accounts/passkeys/add/", passkey_views.add_passkey, name="passkey_add"),
    path(
        "accounts/passkeys/<int:passkey_id>/remove/",
        passkey_views.remove_passkey,
        name="passkey_remove",
    ),
    path(
        "accounts/login/passkey/options/",
        passkey_views.passkey_login_options,
        name="passkey_login_options",
    ),
    path("accounts/login/passkey/", passkey_views.passkey_login, name="passkey_login"),
    path("me/data/sessions/end/", views.end_other_sessions, name="end_other_sessions"),
    path(
        "f/<slug:federation_slug>/second-factor-rule/",
        views.second_factor_rule,
        name="second_factor_rule",
    ),
]

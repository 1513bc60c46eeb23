from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "asamblea.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from asamblea import hooks
        from asamblea.accounts import activation_views, agenda, sections  # noqa: F401 (registers on import)
        from asamblea.accounts.services import sessions, trail

        # The federation's pages and the API tell the trail what officers do and see.
        hooks.officer_action.register(name="accounts.trail")(trail.do_record_officer_action)
        # Keep less: the trail is forgotten after OFFICER_TRAIL_DAYS.
        hooks.tick.register(name="officer_trail", order=95)(trail.prune_officer_trail)
        # A member just verified gets an activation code, shown once to the officer.
        hooks.membership_verified.register(name="accounts.activation")(
            activation_views.code_shown_on_verify
        )
        # A new session keeps its login's generation ("log out everywhere").
        user_logged_in.connect(sessions.note_login, dispatch_uid="accounts.session_generation")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "asamblea.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from asamblea import hooks
        from asamblea.accounts import activation_views, agenda  # noqa: F401 (registers on import)
        from asamblea.accounts.services import trail

        # The federation's pages and the API tell the trail what officers do and see.
        hooks.officer_action.register(name="accounts.trail")(trail.do_record_officer_action)
        # Keep less: the trail is forgotten after OFFICER_TRAIL_DAYS.
        hooks.tick.register(name="officer_trail", order=95)(trail.prune_officer_trail)
        # A member just verified gets an activation code, shown once to the officer.
        hooks.membership_verified.register(name="accounts.activation")(
            activation_views.code_shown_on_verify
        )

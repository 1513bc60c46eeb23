from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "asamblea.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: what the record and the membership
        # decisions tell us, the e-mail channel, and the tick step that sends what is due.
        from asamblea.notices import channels, checks, events, scheduler  # noqa: F401

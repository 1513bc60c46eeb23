from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "asamblea.deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self) -> None:
        # Registered on import: the tick that closes votes on time, the record checks,
        # and the sections of body pages.
        from asamblea.deliberation import recount, scheduler, sections  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "asamblea.elections"
    label = "elections"
    verbose_name = _("Elections")

    def ready(self) -> None:
        # Registered on import: the tick function, and the sections of body pages.
        from asamblea.elections import scheduler, sections  # noqa: F401

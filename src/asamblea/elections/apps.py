from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElectionsConfig(AppConfig):
    name = "asamblea.elections"
    label = "elections"
    verbose_name = _("Elections")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: what awaits a member (agenda), the tick
        # step, the sections of body pages and the record's sentences.
        from asamblea.elections import agenda, scheduler, sections, sentences  # noqa: F401

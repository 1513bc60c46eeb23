from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "asamblea.deliberation"
    label = "deliberation"
    verbose_name = _("Deliberation")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: what awaits a member (agenda), the tick step
        # that closes votes on time, the record checks, the sections of body pages and the
        # record's sentences.
        from asamblea.deliberation import agenda, recount, scheduler, sections, sentences  # noqa: F401

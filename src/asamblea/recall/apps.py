from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "asamblea.recall"
    label = "recall"
    verbose_name = _("Recall")

    def ready(self) -> None:
        # Register with the elections app (close handler, seat-ended cascade, the tick)
        # and add the recall section to body pages.
        from asamblea.recall import sections, services, tick  # noqa: F401

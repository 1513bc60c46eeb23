from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "asamblea.recall"
    label = "recall"
    verbose_name = _("Recall")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: what awaits a member (agenda), the close of
        # a recall vote and the seat-ended cascade (services), the tick step, the page sections
        # and the record's sentences.
        from asamblea.recall import agenda, sections, sentences, services, tick  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecallConfig(AppConfig):
    name = "asamblea.recall"
    label = "recall"
    verbose_name = _("Recall")

    def ready(self) -> None:
        # Registers the recall close handler and the seat-ended cascade with the elections app.
        from asamblea.recall import services  # noqa: F401

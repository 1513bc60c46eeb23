from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordConfig(AppConfig):
    name = "asamblea.record"
    label = "record"
    verbose_name = _("Public record")

    def ready(self) -> None:
        # Registered on import: the record's section of body pages.
        from asamblea.record import views  # noqa: F401

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "asamblea.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: the record's sentences, the record's
        # section of body pages, and the language of the pages under a federation.
        from asamblea.federation import language, record_views, sentences  # noqa: F401

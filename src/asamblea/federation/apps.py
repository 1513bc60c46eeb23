from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "asamblea.federation"
    label = "federation"
    verbose_name = _("Federation")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: what awaits an officer (agenda), the
        # record's sentences, the record's section of body pages, the language of the pages
        # under a federation, and the tick step that erases personal data no feature needs any
        # more.
        from asamblea.federation import agenda, language, record_views, retention, sentences  # noqa: F401

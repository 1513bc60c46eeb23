from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "asamblea.meetings"
    label = "meetings"
    verbose_name = _("Meetings in the room")

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: the record's checks and sentences, and
        # the room's section of a meeting's page (views).
        from asamblea.meetings import recount, sentences, views  # noqa: F401

from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "asamblea.ballots"
    label = "ballots"
    verbose_name = "Secret ballots"

    def ready(self) -> None:
        # Registered with asamblea.hooks on import: the tick step that sweeps stray key files.
        from asamblea.ballots import sweep  # noqa: F401

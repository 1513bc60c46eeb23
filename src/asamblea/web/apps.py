from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "asamblea.web"
    label = "web"

    def ready(self) -> None:
        # Registers the deployment checks that `asamblea check --deploy` runs.
        from asamblea.web import checks  # noqa: F401

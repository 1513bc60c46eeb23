from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "asamblea.ballots"
    label = "ballots"
    verbose_name = "Secret ballots"

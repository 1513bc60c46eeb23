from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "asamblea.web"
    label = "web"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "keepwell.core"
    label = "core"
    verbose_name = "keepwell"

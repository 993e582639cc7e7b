from django.apps import AppConfig


class SpacesConfig(AppConfig):
    name = "keepwell.spaces"
    label = "spaces"
    verbose_name = "Spaces"

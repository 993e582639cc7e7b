from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The Wellbrook demo place and the ``demo`` command: it stands above every room (it
    loads each room's ``demo.py``), so it is its own app rather than part of core."""

    name = "keepwell.demo"
    label = "demo"
    verbose_name = "Demo place"

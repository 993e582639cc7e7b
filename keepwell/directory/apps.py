from django.apps import AppConfig

from keepwell.core.navigation import NavItem


class DirectoryConfig(AppConfig):
    name = "keepwell.directory"
    label = "directory"
    verbose_name = "Community directory"
    navigation = [
        NavItem("Directory", "directory:search", "directory.view_directory", 30),
        NavItem("Mapping", "directory:mapping", "directory.view_mapping", 35),
        NavItem("Follow-ups", "directory:follow_ups", "directory.view_follow_ups", 36),
    ]

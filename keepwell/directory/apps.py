from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink


class DirectoryConfig(AppConfig):
    name = "keepwell.directory"
    label = "directory"
    verbose_name = "Community directory"
    navigation = [
        NavItem("Directory", "directory:search", "directory.view_directory", 30),
        NavItem("Mapping", "directory:mapping", "directory.view_mapping", 35),
        NavItem("Follow-ups", "directory:follow_ups", "directory.view_follow_ups", 36),
    ]
    public_links = [
        PublicLink(
            "Find local help",
            "directory:search",
            "Groups, services and activities near you: what they offer, where and when.",
            10,
        )
    ]

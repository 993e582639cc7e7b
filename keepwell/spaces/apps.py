from django.apps import AppConfig

from keepwell.core.navigation import NavItem, PublicLink


class SpacesConfig(AppConfig):
    name = "keepwell.spaces"
    label = "spaces"
    verbose_name = "Spaces"
    navigation = [NavItem("Rooms and spaces", "spaces:mine", "spaces.use_spaces", 75)]
    public_links = [
        PublicLink(
            "Find a room for your group",
            "spaces:search",
            "Free rooms and outdoor spaces in health centres and community buildings",
            70,
        )
    ]

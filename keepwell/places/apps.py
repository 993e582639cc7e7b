from django.apps import AppConfig

from keepwell.core.navigation import NavItem


class PlacesConfig(AppConfig):
    name = "keepwell.places"
    label = "places"
    verbose_name = "Places"
    navigation = [NavItem("Areas", "places:areas", "places.view_area", 80)]

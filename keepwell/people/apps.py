from django.apps import AppConfig

from keepwell.core.navigation import NavItem


class PeopleConfig(AppConfig):
    name = "keepwell.people"
    label = "people"
    verbose_name = "People"
    navigation = [NavItem("People", "people:list", "people.list_people", 20)]

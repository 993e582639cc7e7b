from django.apps import AppConfig

from keepwell.core.navigation import NavItem


class TimebankConfig(AppConfig):
    name = "keepwell.timebank"
    label = "timebank"
    verbose_name = "Time bank"
    navigation = [NavItem("Time bank", "timebank:index", "timebank.use_timebank", 60)]

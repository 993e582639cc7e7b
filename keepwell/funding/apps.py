from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "keepwell.funding"
    label = "funding"
    verbose_name = "Funding"

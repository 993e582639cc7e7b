from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "keepwell.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

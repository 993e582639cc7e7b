from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "keepwell.messaging"
    label = "messaging"
    verbose_name = "Messaging"

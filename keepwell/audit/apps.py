from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "keepwell.audit"
    label = "audit"
    verbose_name = "Audit log"

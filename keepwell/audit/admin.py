from django.contrib import admin

from keepwell.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be added to, changed or deleted from the admin."""

    list_display = [
        "at",
        "actor_label",
        "action",
        "purpose",
        "object_type",
        "object_id",
        "person_id",
    ]
    list_filter = ["action", "purpose", "via"]
    search_fields = ["actor_label", "object_id", "summary"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}

"""Only reference data is in the admin. People, households and consent are opened and changed
through keepwell's own pages, which check object permissions and write the audit log."""

from django.contrib import admin

from keepwell.people.models import Language


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "native_name"]
    search_fields = ["name", "code"]

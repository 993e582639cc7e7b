from django.contrib import admin

from keepwell.directory.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ods_code"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]
    prepopulated_fields = {"slug": ["name"]}

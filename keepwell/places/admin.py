from django.contrib import admin

from keepwell.places.models import Area, Deprivation, PostcodeLocation


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "lead", "deputy"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(PostcodeLocation)
class PostcodeLocationAdmin(admin.ModelAdmin):
    list_display = ["postcode", "latitude", "longitude", "lsoa", "local_authority", "is_demo"]
    search_fields = ["postcode"]
    show_full_result_count = False


@admin.register(Deprivation)
class DeprivationAdmin(admin.ModelAdmin):
    list_display = ["lsoa", "edition", "lsoa_name", "imd_decile"]
    search_fields = ["lsoa", "lsoa_name"]

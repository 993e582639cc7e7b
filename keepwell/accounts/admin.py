from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from keepwell.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*BaseUserAdmin.fieldsets, ("keepwell", {"fields": ("display_name",)}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "hint", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False  # tokens are made on the account page or by `keepwell token create`

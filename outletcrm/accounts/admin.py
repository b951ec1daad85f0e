from django.contrib import admin

from outletcrm.accounts.models import UserSession


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Read-only: sessions are ended on /account/sessions/, which also signs the browser out."""

    list_display = ["user", "ip", "created", "last_seen"]
    list_select_related = ["user"]
    search_fields = ["user__username", "ip"]
    readonly_fields = ["user", "key_hash", "ip", "user_agent", "created", "last_seen"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

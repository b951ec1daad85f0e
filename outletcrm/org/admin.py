"""Django admin: users and roles, the sales-region tree, teams (the administrator's job, brief §1)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from outletcrm.org import services
from outletcrm.org.models import Region, Team, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "parent", "custodian", "path"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a region would change every manager's and customer's scope below it; the
        # tree is rebuilt by a deliberate migration, not by a dropdown.
        return ["parent", "path"] if obj is not None else ["path"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        # New regions get their materialised path from the service.
        created = services.region_create(name=obj.name, code=obj.code, parent=obj.parent)
        obj.pk, obj.path = created.pk, created.path
        obj._state.adding = False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "role", "team", "region", "is_active"]
    list_filter = ["role", "is_active", "team", "region"]
    search_fields = ["username", "display_name", "mobile", "email"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role and place"), {"fields": ("display_name", "mobile", "email", "role", "team",
                                          "region")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "display_name", "role", "team", "region",
                           "usable_password", "password1", "password2")}),
    )

from django.contrib import admin

from outletcrm.complaints.models import Complaint, ComplaintEvent, ServiceTarget


@admin.register(ServiceTarget)
class ServiceTargetAdmin(admin.ModelAdmin):
    """Administrators edit the targets here (or PATCH /api/v1/service-targets/<id>/)."""

    list_display = ["severity", "respond_minutes", "resolve_minutes", "updated_at"]
    readonly_fields = ["severity"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "at", "text", "data"]


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Read-only: complaints change through their services (the pages and the API)."""

    list_display = ["code", "customer", "category", "severity", "status", "assignee",
                    "received_at"]
    list_filter = ["status", "severity", "category"]
    inlines = [EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

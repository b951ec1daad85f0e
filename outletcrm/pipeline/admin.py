from django.contrib import admin

from outletcrm.pipeline.models import Stage


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """Administrators edit the stages: names, order, the output each asks for."""

    list_display = ["sort_order", "name", "name_en", "output_name", "requires_output", "wins",
                    "is_active"]
    list_display_links = ["name"]
    list_editable = ["sort_order", "requires_output", "is_active"]
    ordering = ["sort_order", "pk"]

    def has_delete_permission(self, request, obj=None):
        return False  # stage history refers to stages: disable one instead

"""Django admin: the archive's configurable lists (outlet types, classes, tags).

Customers themselves are edited in the archive pages, which check duplicates and keep the
history; only the lists that configure them are maintained here.
"""

from django.contrib import admin

from outletcrm.customers.models import CustomerClass, OutletType, Tag


@admin.register(OutletType)
class OutletTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(CustomerClass)
class CustomerClassAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "scheme", "visit_every_weeks", "sort_order",
                    "is_active"]
    list_filter = ["scheme", "is_active"]
    list_editable = ["visit_every_weeks", "sort_order", "is_active"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]

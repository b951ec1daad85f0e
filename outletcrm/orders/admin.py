"""Django admin: the catalogue's configuration (products, price lists and their prices).

Orders, payments and returns are not edited here: they change only through the services
(pages, API, field app), which keep amounts, balances and the customer timeline true.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from outletcrm.orders import services
from outletcrm.orders.models import PriceList, PriceListItem, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "brand", "spec", "unit", "category", "is_competitor",
                    "is_active"]
    list_filter = ["is_competitor", "is_active", "brand", "category"]
    search_fields = ["code", "name", "brand", "spec", "category"]
    list_editable = ["is_active"]
    ordering = ["is_competitor", "brand", "code"]

    def save_model(self, request, obj, form, change):
        services.product_save(product=obj)


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    extra = 1
    autocomplete_fields = ["product"]


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "valid_from", "valid_to", "price_count"]
    list_filter = ["is_default"]
    search_fields = ["name"]
    inlines = [PriceListItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(price_count=Count("items"))

    @admin.display(description=_("Prices"), ordering="price_count")
    def price_count(self, price_list) -> int:
        return price_list.price_count

    def save_model(self, request, obj, form, change):
        # Ticking "Default" takes it off the previous default list (only one prices orders).
        services.price_list_save(price_list=obj)

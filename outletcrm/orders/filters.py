"""Query-string filters of the API lists; the filtering itself is the selectors'."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core.filters import DateFilter, FilterSet, IdFilter
from outletcrm.orders.models import OrderStatus, ReturnClaim
from outletcrm.orders.selectors import OrderFilters, filter_orders, product_search


class DateRangeForm(forms.Form):
    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data


class OrderFilterSet(FilterSet):
    """customer, rep, status, date range (local order date, inclusive) and a search."""

    q = django_filters.CharFilter(label=_("Search"),
                                  help_text="Order no. (exact) or customer name, pinyin, phone.")
    customer = IdFilter(label=_("Customer"))
    rep = IdFilter(label=_("Taken by"))
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices, label=_("Order status"))
    date_from = DateFilter(label=pgettext_lazy("date range", "From"), help_text="Ordered on or after.")
    date_to = DateFilter(label=pgettext_lazy("date range", "To"), help_text="Ordered on or before.")

    class Meta:
        form = DateRangeForm
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        return filter_orders(queryset, OrderFilters(
            q=data.get("q") or "", customer=data.get("customer"), rep=data.get("rep"),
            status=data.get("status") or "", date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        ))


class ProductFilterSet(FilterSet):
    # A choice rather than a BooleanFilter: that one quietly ignores "perhaps" and shows all.
    competitor = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")], method="filter_competitor",
        label=_("Competitor product"),
        help_text="true: competitor products only; false: ours only; omit for both.")
    q = django_filters.CharFilter(method="search", label=_("Search"),
                                  help_text="Name, brand, code, specification or category.")

    class Meta:
        fields: list[str] = []

    def filter_competitor(self, queryset, name, value):
        return queryset.filter(is_competitor=value == "true")

    def search(self, queryset, name, value):
        return product_search(queryset, value)


class ReturnFilterSet(FilterSet):
    customer = IdFilter(field_name="customer_id", label=_("Customer"))
    order = IdFilter(field_name="order_id", label=_("Sales order"))
    kind = django_filters.ChoiceFilter(choices=ReturnClaim.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=ReturnClaim.Status.choices, label=_("Approval"),
                                         help_text="pending: those awaiting approval.")

    class Meta:
        fields: list[str] = []

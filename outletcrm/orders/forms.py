"""Forms of the order pages: they parse and validate input; the services do the writing."""

import datetime
import re
import uuid
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core import scoping
from outletcrm.core.forms import BoundedDateField, IdField
from outletcrm.orders import selectors
from outletcrm.orders.models import Order, OrderStatus, Payment, ReturnClaim
from outletcrm.orders.selectors import OrderFilters
from outletcrm.orders.services import MAX_LINES

# Due date suggested on a new order: a common monthly credit term; the rep can change it.
DEFAULT_TERM_DAYS = 30
LINE_ERROR = re.compile(r"^lines\[(\d+)\]\.?(\w*)$")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget (templates render fields with includes/field.html)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_service_errors(form: forms.Form, exc: ValidationError, *,
                       rename: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one.

    `rename` maps a service's field name to the form's (paid_at → paid_on).
    """
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for name, messages in exc.message_dict.items():
        name = (rename or {}).get(name, name)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def date_input() -> forms.DateInput:
    """A browser date picker; its value is always ISO, whatever the page's language."""
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def new_client_id() -> str:
    return str(uuid.uuid4())


# --- the list's filters -------------------------------------------------------------------

class OrderFilterForm(StyledForm):
    """The order list's filters, from the query string.

    A value that does not parse (a date like "soon", status=bogus) is reported next to the
    filter and ignored; the list then shows what the remaining filters select.
    """

    q = forms.CharField(required=False, label=_("Search"), max_length=100)
    customer = IdField(required=False, label=_("Customer"), widget=forms.HiddenInput)
    rep = forms.ModelChoiceField(queryset=None, required=False, label=_("Taken by"),
                                 empty_label=_("Everyone"))
    status = forms.ChoiceField(required=False, label=_("Order status"),
                               choices=[("", _("All statuses")), *OrderStatus.choices])
    date_from = BoundedDateField(required=False, label=pgettext_lazy("date range", "From"),
                                 widget=date_input())
    date_to = BoundedDateField(required=False, label=pgettext_lazy("date range", "To"),
                               widget=date_input())

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["rep"].queryset = scoping.users_in_scope(user).order_by("username")

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date cannot be before the start date."))
        return data

    def to_filters(self) -> OrderFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        rep = data.get("rep")
        return OrderFilters(
            q=data.get("q") or "", customer=data.get("customer"),
            rep=rep.pk if rep else None, status=data.get("status") or "",
            date_from=data.get("date_from"), date_to=data.get("date_to"),
        )


# --- a new order --------------------------------------------------------------------------

class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, product):
        return f"{product.code} · {product}"


class OrderLineForm(forms.Form):
    """One product line. The discount is typed in percent, as reps quote it; stored as a fraction."""

    product = ProductChoiceField(queryset=None, label=_("Product"), required=True,
                                 error_messages={"invalid_choice": _("Unknown or unavailable product.")})
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2,
                                  min_value=Decimal("0.01"))
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=12, decimal_places=2,
                                    min_value=Decimal("0"), required=False,
                                    help_text=_("Empty: the default price list's price."))
    discount_percent = forms.DecimalField(label=_("Discount (%)"), max_digits=6,
                                          decimal_places=2, min_value=Decimal("0"),
                                          max_value=Decimal("99.99"), required=False)

    def __init__(self, *args, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
        for field in self.fields.values():
            small = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = ("form-select form-select-sm" if small
                                           else "form-control form-control-sm")
        self.fields["quantity"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.fields["unit_price"].widget.attrs.update({"inputmode": "decimal", "step": "any"})
        self.fields["discount_percent"].widget.attrs.update({"inputmode": "decimal",
                                                             "step": "any"})

    def as_line(self) -> dict:
        data = self.cleaned_data
        percent = data.get("discount_percent") or Decimal("0")
        return {"product": data["product"], "quantity": data["quantity"],
                "unit_price": data.get("unit_price"), "discount": percent / 100}


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, products=None, **kwargs):
        self.products = products
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "products": self.products}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"),
                         empty_permitted=True, use_required_attribute=False,
                         products=self.products, renderer=self.renderer)
        self.add_fields(form, None)
        return form

    def filled_forms(self) -> list[OrderLineForm]:
        return [f for f in self.forms if f.has_changed() and f.is_valid()]

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise ValidationError(_("An order needs at least one line."))


LineFormSet = forms.formset_factory(OrderLineForm, formset=BaseLineFormSet, extra=3,
                                    max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES)


class OrderForm(StyledForm):
    """The order's header; lines come from LineFormSet."""

    due_date = forms.DateField(label=_("Payment due"), required=False,
                               widget=date_input())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=300,
                            widget=forms.Textarea(attrs={"rows": 2}))
    # Generated when the page is served: a second click on "Save" (or a reload that re-posts)
    # sends the same id, and order_create answers with the order already saved.
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {
            "client_id": new_client_id(),
            "due_date": timezone.localdate() + datetime.timedelta(days=DEFAULT_TERM_DAYS),
        })
        super().__init__(*args, **kwargs)


def apply_line_errors(form: OrderForm, formset: BaseLineFormSet, filled: list[OrderLineForm],
                      exc: ValidationError) -> None:
    """Put a service error keyed `lines[i].field` on the i-th filled line's field."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(form, exc)
        return
    for name, messages in exc.message_dict.items():
        match = LINE_ERROR.match(name)
        if match and int(match.group(1)) < len(filled):
            line_form = filled[int(match.group(1))]
            field = match.group(2)
            field = "discount_percent" if field == "discount" else field
            for message in messages:
                line_form.add_error(field if field in line_form.fields else None, message)
        else:
            for message in messages:
                form.add_error(name if name in form.fields else None, message)


# --- actions on an order ------------------------------------------------------------------

class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class PaymentForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"),
                                widget=forms.NumberInput(attrs={"inputmode": "decimal",
                                                                "step": "0.01"}))
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices,
                               initial=Payment.Method.TRANSFER)
    paid_on = forms.DateField(label=_("Paid on"),
                              widget=date_input())
    notes = forms.CharField(label=_("Notes"), required=False, max_length=300)
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, order: Order | None = None, **kwargs):
        initial = {"client_id": new_client_id(), "paid_on": timezone.localdate()}
        if getattr(order, "outstanding", None) is not None:
            initial["amount"] = Decimal(order.outstanding).quantize(Decimal("0.01"))
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)


class DecisionForm(StyledForm):
    """Approving or refusing a return, claim or discount; refusing needs the reason."""

    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("Required when refusing: the person who recorded it "
                                       "sees it."))


class ReturnForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReturnClaim.Kind.choices)
    order = forms.ModelChoiceField(label=_("Sales order"), queryset=Order.objects.none(),
                                   required=False, empty_label=_("Not tied to an order"),
                                   help_text=_("A return of goods names its order; a claim or "
                                               "discount may be for the customer's account."))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                min_value=Decimal("0.01"),
                                widget=forms.NumberInput(attrs={"inputmode": "decimal",
                                                                "step": "0.01"}))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    client_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, user, customer, order: Order | None = None, **kwargs):
        kwargs.setdefault("initial", {"client_id": new_client_id(),
                                      "order": order.pk if order else None})
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = _(
            "Above ¥%(limit)s (with this customer's other credits of the last %(days)s days) it "
            "counts only once a supervisor approves it."
        ) % {"limit": settings.RETURN_APPROVAL_AMOUNT,
             "days": settings.RETURN_APPROVAL_WINDOW_DAYS}
        if order is not None:
            del self.fields["order"]  # fixed by the page it was opened from
        else:
            self.fields["order"].queryset = selectors.order_list(
                user=user, customer=customer).exclude(status=OrderStatus.CANCELLED)
            self.fields["order"].label_from_instance = (
                lambda o: f"{o.code} · ¥{o.total} · {timezone.localdate(o.ordered_at)}")

"""Products, price lists, orders (进货), payments (回款) and returns (brief §7 trading categories)."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outletcrm.core.params import validate_business_date


def quantity_text(value) -> str:
    """A quantity as people write it: 10 for 10.00, 2.5 for 2.50 (decimals only when present)."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Product(models.Model):
    """A product in the catalogue; competitor products are kept for sightings and stock checks."""

    code = models.CharField(_("Product code"), max_length=40, unique=True)
    name = models.CharField(_("Product name"), max_length=100)
    brand = models.CharField(_("Brand"), max_length=50)
    category = models.CharField(_("Category"), max_length=50, blank=True)
    spec = models.CharField(_("Specification"), max_length=50, blank=True)
    unit = models.CharField(_("Unit"), max_length=10, default="箱")
    is_competitor = models.BooleanField(_("Competitor product"), default=False)
    is_active = models.BooleanField(_("Enabled"), default=True)

    class Meta:
        ordering = ["is_competitor", "brand", "code"]
        verbose_name = _("Product")
        verbose_name_plural = _("Products")

    def __str__(self) -> str:
        return f"{self.brand} {self.name} {self.spec}".strip()


class PriceList(models.Model):
    """A price list; the default one prices orders unless a customer-specific list applies."""

    name = models.CharField(_("Name"), max_length=50)
    is_default = models.BooleanField(_("Default"), default=False)
    valid_from = models.DateField(_("Valid from"), null=True, blank=True,
                                  validators=[validate_business_date])
    valid_to = models.DateField(_("Valid to"), null=True, blank=True,
                                validators=[validate_business_date])

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("Price list")
        verbose_name_plural = _("Price lists")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})


class PriceListItem(models.Model):
    """The unit price of one product in one price list."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items",
                                   verbose_name=_("Price list"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="prices",
                                verbose_name=_("Product"))
    unit_price = models.DecimalField(_("Unit price"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["price_list", "product__code"]
        verbose_name = _("Price")
        verbose_name_plural = _("Prices")
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="uniq_price_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.unit_price}"


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    """A customer's purchase (进货), taken by a rep, optionally during a visit."""

    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                                 help_text="Generated on the device so a retried upload is idempotent.")
    code = models.CharField(_("Order no."), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="orders", verbose_name=_("Customer"))
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                            related_name="orders", verbose_name=_("Taken by"))
    status = models.CharField(_("Order status"), max_length=20, choices=OrderStatus.choices,
                              default=OrderStatus.SUBMITTED)
    ordered_at = models.DateTimeField(_("Ordered at"), validators=[validate_business_date])
    received_at = models.DateTimeField(auto_now_add=True)
    due_date = models.DateField(_("Payment due"), null=True, blank=True,
                                validators=[validate_business_date])
    total = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2, default=0)
    notes = models.CharField(_("Notes"), max_length=300, blank=True)
    # When each status was reached; the reason stays apart from the notes the customer gave.
    confirmed_at = models.DateTimeField(_("Confirmed at"), null=True, blank=True, editable=False)
    delivered_at = models.DateTimeField(_("Delivered at"), null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("Cancelled at"), null=True, blank=True, editable=False)
    cancel_reason = models.CharField(_("Reason for cancelling"), max_length=200, blank=True,
                                     editable=False)
    # Who moved it on (segregation of duties, core.scoping: not the person who took it).
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     editable=False, verbose_name=_("Confirmed by"))
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     editable=False, verbose_name=_("Delivered by"))
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     editable=False, verbose_name=_("Cancelled by"))

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        verbose_name = _("Sales order")
        verbose_name_plural = _("Orders")
        indexes = [models.Index(fields=["customer", "-ordered_at"]),
                   models.Index(fields=["rep", "-ordered_at"]),
                   models.Index(fields=["status", "-ordered_at"]),
                   # Orders received or cancelled since a moment: the evaluation's run of
                   # changed customers (evaluation.sources.orders_changed).
                   models.Index(fields=["received_at"], name="order_received_idx"),
                   models.Index(fields=["cancelled_at"], name="order_cancelled_idx",
                                condition=models.Q(cancelled_at__isnull=False))]

    def __str__(self) -> str:
        return self.code


class OrderLine(models.Model):
    """One product line of an order; amount = quantity × unit price × (1 − discount)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("Product"))
    quantity = models.DecimalField(_("Quantity"), max_digits=12, decimal_places=2,
                                   validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = models.DecimalField(_("Unit price"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(0)])
    discount = models.DecimalField(_("Discount"), max_digits=5, decimal_places=4, default=0,
                                   validators=[MinValueValidator(0)],
                                   help_text=_("Fraction off the unit price, 0 to 1."))
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("Order line")
        verbose_name_plural = _("Order lines")

    def __str__(self) -> str:
        return f"{self.product} × {quantity_text(self.quantity)}"


class Payment(models.Model):
    """Money collected (回款) against an order, possibly during a visit."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        TRANSFER = "transfer", _("Bank transfer")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments",
                              verbose_name=_("Sales order"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="payments", verbose_name=_("Customer"))
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("Collected by"))
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("Method"), max_length=20, choices=Method.choices,
                              default=Method.TRANSFER)
    paid_at = models.DateTimeField(_("Paid at"), validators=[validate_business_date])
    received_at = models.DateTimeField(auto_now_add=True)
    notes = models.CharField(_("Notes"), max_length=300, blank=True)

    class Meta:
        ordering = ["-paid_at", "-pk"]
        verbose_name = _("Payment")
        verbose_name_plural = _("Payments")
        # Payments received since a moment (evaluation.sources.payments_changed).
        indexes = [models.Index(fields=["received_at"], name="payment_received_idx")]

    def __str__(self) -> str:
        return f"{self.order} {self.amount}"


class ReturnClaim(models.Model):
    """A return, claim or discount granted after sale (退货/索赔/折让).

    Only an approved one counts in receivables and the credit record. One above
    settings.RETURN_APPROVAL_AMOUNT is recorded as pending and waits for someone who may
    countersign it (core.scoping.can_decide_credit); a refused one never counts.
    """

    class Kind(models.TextChoices):
        RETURN = "return", _("Return")
        CLAIM = "claim", _("Claim")
        DISCOUNT = "discount", pgettext_lazy("return kind", "Discount")  # 折让, not a line's 折扣

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PENDING = "pending", _("Awaiting approval")
        REFUSED = "refused", _("Refused")

    client_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT,
                                 related_name="returns", verbose_name=_("Customer"))
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="returns", verbose_name=_("Sales order"))
    kind = models.CharField(_("Kind"), max_length=20, choices=Kind.choices, default=Kind.RETURN)
    amount = models.DecimalField(_("Amount"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.CharField(_("Reason"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("Recorded by"))
    recorded_at = models.DateTimeField(_("Recorded at"), auto_now_add=True)
    status = models.CharField(_("Approval"), max_length=20, choices=Status.choices,
                              default=Status.APPROVED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("Decided by"))
    decided_at = models.DateTimeField(_("Decided at"), null=True, blank=True)
    decision_note = models.CharField(_("Note on the decision"), max_length=300, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        verbose_name = _("Return or claim")
        verbose_name_plural = _("Returns and claims")
        indexes = [models.Index(fields=["status", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

"""Order pages: thin views that parse input, fetch in scope, call the services and render.

A record outside the user's scope answers 404 like a missing one (selectors / core.scoping).
A refused write re-renders its form with the reason and status 400 (403 when the user's role
may not do it, core.scoping); nothing is written. Buttons a user may not use are not shown.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.customers.selectors import CustomerFilters, customer_list
from outletcrm.orders import selectors, services
from outletcrm.orders.forms import (
    CancelForm,
    DecisionForm,
    LineFormSet,
    OrderFilterForm,
    OrderForm,
    PaymentForm,
    ReturnForm,
    add_service_errors,
    apply_line_errors,
)
from outletcrm.orders.models import Order, OrderStatus, ReturnClaim

PAGE_SIZE = 25
CATALOGUE_PAGE_SIZE = 50
PICK_LIMIT = 20


def is_fragment(request: HttpRequest, target: str) -> bool:
    """True for an htmx request that swaps only `target` (not a history restore)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-Target") == target
            and request.headers.get("HX-History-Restore-Request") != "true")


def without_page(query: QueryDict) -> QueryDict:
    clean = query.copy()
    clean.pop("page", None)
    return clean


def customer_in_scope(user, pk) -> Customer:
    return scoping.get_in_scope(Customer.objects.all(), user, pk=pk)


def detail_url(order: Order) -> str:
    return reverse("orders:detail", args=[order.pk])


# --- list and detail ----------------------------------------------------------------------

@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def order_list_view(request: HttpRequest) -> HttpResponse:
    """Orders in scope with filters (customer, rep, status, dates) and pages."""
    form = OrderFilterForm(request.GET, user=request.user)
    filters = form.to_filters()
    orders = selectors.order_list(user=request.user, filters=filters)
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    customer = None
    if filters.customer:
        customer = scoping.restrict(Customer.objects.filter(pk=filters.customer),
                                    request.user).first()
    context = {"form": form, "page": page, "orders": page.object_list, "customer": customer,
               "clean_query": without_page(request.GET), "target": "order-results",
               "filtered": any(request.GET.get(k) for k in form.fields)}
    if is_fragment(request, "order-results"):
        return render(request, "orders/_order_results.html", context)
    return render(request, "orders/order_list.html", context)


def refuse_unless_trading(user) -> None:
    """The custodian (and anyone else outside trading roles) gets the 403 page with why."""
    if not scoping.can_trade(user):
        raise PermissionDenied(_("Your role does not take orders or record payments, returns "
                                 "or discounts."))


def render_detail(request: HttpRequest, order: Order) -> HttpResponse:
    user = request.user
    trades = scoping.can_trade(user)
    live_returns = [r for r in order.returns.all() if r.status != ReturnClaim.Status.REFUSED]
    movable = order.status in (OrderStatus.SUBMITTED, OrderStatus.CONFIRMED)
    return render(request, "orders/order_detail.html", {
        "order": order,
        "cancel_form": CancelForm(),
        "payment_form": PaymentForm(order=order),
        "can_cancel": movable and not order.payments.all() and not live_returns
        and scoping.can_cancel_order(user, order),
        "can_confirm": order.status == OrderStatus.SUBMITTED
        and scoping.can_confirm_order(user, order),
        "can_deliver": order.status == OrderStatus.CONFIRMED
        and scoping.can_deliver_order(user, order),
        "can_pay": trades and order.status != OrderStatus.CANCELLED and order.outstanding > 0,
        "can_credit": trades and order.status != OrderStatus.CANCELLED,
        "decidable": {r.pk for r in order.returns.all() if r.status == ReturnClaim.Status.PENDING
                      and scoping.can_decide_credit(user, r)},
    })


@login_required
@require_GET
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """An order: lines, payments, returns, what is still owed, its visit, and the actions."""
    return render_detail(request, selectors.order_get(user=request.user, pk=pk))


# --- taking an order ----------------------------------------------------------------------

@login_required
@require_GET
def order_pick_customer_view(request: HttpRequest) -> HttpResponse:
    """Choose the customer a new order is for (search within scope)."""
    q = (request.GET.get("q") or "").strip()[:100]
    customers = []
    if q:
        customers = list(customer_list(user=request.user, filters=CustomerFilters(q=q))
                         [:PICK_LIMIT])
    return render(request, "orders/pick_customer.html", {"q": q, "customers": customers})


@login_required
@require_http_methods(["GET", "POST"])
def order_create_view(request: HttpRequest, customer_pk: int) -> HttpResponse:
    """A new order for a customer: product lines priced from the default list by default."""
    customer = customer_in_scope(request.user, customer_pk)
    refuse_unless_trading(request.user)
    products = selectors.product_list(competitor=False).order_by("brand", "code")
    status = 200
    if request.method == "POST":
        form = OrderForm(request.POST)
        formset = LineFormSet(request.POST, products=products, prefix="lines")
        if form.is_valid() and formset.is_valid():
            filled = formset.filled_forms()
            try:
                order, created = services.order_create(
                    actor=request.user, customer=customer,
                    lines=[line.as_line() for line in filled],
                    client_id=form.cleaned_data["client_id"],
                    due_date=form.cleaned_data.get("due_date"),
                    notes=form.cleaned_data.get("notes", ""))
            except ValidationError as exc:
                apply_line_errors(form, formset, filled, exc)
            else:
                if created:
                    messages.success(request, _("Order %(code)s saved.") % {"code": order.code})
                else:
                    messages.info(request, _("This order was already saved; it is shown below."))
                return redirect(detail_url(order))
        status = 400
    else:
        form = OrderForm()
        formset = LineFormSet(products=products, prefix="lines")
    return render(request, "orders/order_form.html", {
        "customer": customer, "form": form, "formset": formset, "products": list(products),
    }, status=status)


# --- actions on an order ------------------------------------------------------------------

def action_page(request, order, form, *, title, template="orders/action_form.html",
                status=200) -> HttpResponse:
    return render(request, template, {"order": order, "form": form, "title": title},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def order_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, pk=pk)
    form = CancelForm(request.POST or None)
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            services.order_cancel(actor=request.user, order=order,
                                  reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, _("Order %(code)s cancelled.") % {"code": order.code})
            return redirect(detail_url(order))
    return action_page(request, order, form, title=_("Cancel the order"),
                       status=status if request.method == "POST" else 200)


@login_required
@require_POST
def order_status_view(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Confirm a submitted order, or mark a confirmed one delivered (not by its taker).

    Goes back to where the button was (the order, or the approvals page) with the outcome.
    """
    order = selectors.order_get(user=request.user, pk=pk)
    change = {"confirm": services.order_confirm, "deliver": services.order_deliver}[step]
    try:
        order = change(actor=request.user, order=order)
    except (ValidationError, PermissionDenied) as exc:
        for message in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, message)
    else:
        messages.success(request, _("Order %(code)s: %(status)s.")
                         % {"code": order.code, "status": order.get_status_display()})
    if request.POST.get("next") == "approvals":
        return redirect("orders:approvals")
    return redirect(detail_url(order))


@login_required
@require_http_methods(["GET", "POST"])
def payment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Record money collected (回款) against an order."""
    order = selectors.order_get(user=request.user, pk=pk)
    refuse_unless_trading(request.user)
    form = PaymentForm(request.POST or None, order=order)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment, created = services.payment_record(
                actor=request.user, order=order, amount=data["amount"], method=data["method"],
                paid_at=data["paid_on"], client_id=data["client_id"], notes=data["notes"])
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"paid_at": "paid_on"})
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if created:
                messages.success(request, _("Payment of ¥%(amount)s recorded.")
                                 % {"amount": payment.amount})
            return redirect(detail_url(order))
    return action_page(request, order, form, title=_("Record a payment"),
                       status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def return_create_view(request: HttpRequest, customer_pk: int | None = None,
                       pk: int | None = None) -> HttpResponse:
    """Record a return, claim or discount: for an order, or for the customer in general."""
    order = selectors.order_get(user=request.user, pk=pk) if pk else None
    customer = order.customer if order else customer_in_scope(request.user, customer_pk)
    refuse_unless_trading(request.user)
    form = ReturnForm(request.POST or None, user=request.user, customer=customer, order=order)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim, created = services.return_create(
                actor=request.user, customer=customer, order=order or data.get("order"),
                kind=data["kind"], amount=data["amount"], reason=data["reason"],
                client_id=data["client_id"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if created and claim.status == ReturnClaim.Status.PENDING:
                messages.warning(request, _(
                    "%(kind)s of ¥%(amount)s recorded; it counts once a supervisor approves it.")
                    % {"kind": claim.get_kind_display(), "amount": claim.amount})
            elif created:
                messages.success(request, _("%(kind)s of ¥%(amount)s recorded.")
                                 % {"kind": claim.get_kind_display(), "amount": claim.amount})
            if claim.order_id:
                return redirect(reverse("orders:detail", args=[claim.order_id]))
            return redirect(f"{reverse('orders:list')}?customer={customer.pk}")
    return render(request, "orders/return_form.html", {
        "order": order, "customer": customer, "form": form,
    }, status=400 if request.method == "POST" else 200)


# --- approvals (segregation of duties, core.scoping) --------------------------------------

@login_required
@require_GET
def approvals_view(request: HttpRequest) -> HttpResponse:
    """What waits for the user as the second pair of eyes: returns, claims and discounts to
    approve or refuse, orders to confirm or deliver (never their own)."""
    credits = list(selectors.credits_to_decide(request.user)[:PAGE_SIZE * 4])
    orders = list(selectors.orders_to_move_on(request.user)[:PAGE_SIZE * 4])
    return render(request, "orders/approvals.html", {
        "credits": credits, "orders": orders,
        "to_confirm": [o for o in orders if o.status == OrderStatus.SUBMITTED],
        "to_deliver": [o for o in orders if o.status == OrderStatus.CONFIRMED],
    })


@login_required
@require_http_methods(["GET", "POST"])
def return_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A return, claim or discount; for one awaiting approval, approve or refuse it."""
    claim = selectors.return_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        decision = request.POST.get("decision")
        decide = {"approve": services.return_approve,
                  "refuse": services.return_refuse}.get(decision)
        status = 400
        if decide is None:
            form.add_error(None, _("Choose to approve or to refuse."))
        elif form.is_valid():
            try:
                claim = decide(actor=request.user, claim=claim, note=form.cleaned_data["note"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                messages.success(request, _("%(kind)s of ¥%(amount)s: %(status)s.") % {
                    "kind": claim.get_kind_display(), "amount": claim.amount,
                    "status": claim.get_status_display()})
                if request.POST.get("next") == "approvals":
                    return redirect("orders:approvals")
                return redirect(reverse("orders:return_detail", args=[claim.pk]))
    can_decide = (claim.status == ReturnClaim.Status.PENDING
                  and scoping.can_decide_credit(request.user, claim))
    return render(request, "orders/return_detail.html", {
        "claim": claim, "form": form, "can_decide": can_decide,
        "account": selectors.customer_balance(claim.customer_id),
    }, status=status)


# --- the catalogue ------------------------------------------------------------------------

@login_required
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def product_list_view(request: HttpRequest) -> HttpResponse:
    """The product catalogue for reps: search; ours or competitors'; default prices."""
    q = (request.GET.get("q") or "").strip()[:100]
    kind = request.GET.get("kind") or "ours"
    competitor = {"ours": False, "competitor": True, "all": None}.get(kind, False)
    products = selectors.product_list(competitor=competitor, q=q).order_by(
        "is_competitor", "brand", "code")
    page = Paginator(products, CATALOGUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page, "q": q, "kind": kind if kind in ("ours", "competitor", "all") else "ours",
        "clean_query": without_page(request.GET), "target": "product-results",
    }
    if is_fragment(request, "product-results"):
        return render(request, "orders/_product_results.html", context)
    return render(request, "orders/product_list.html", context)

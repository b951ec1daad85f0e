"""REST API v1 for the catalogue, orders, payments, returns and the credit record.

Thin: serializers check shape and types, selectors fetch inside the caller's scope (a record
out of scope answers 404 like a missing one), services do the writing and the business rules.
Orders, payments and returns accept a client-generated `client_id`; a replay answers 200 with
the record first created instead of writing a duplicate. An action the caller's role may not
take (core.scoping: confirming an order one took, approving one's own discount…) answers 403
with {"detail": reason}; a refused input 400 with field errors; nothing is written either way.
"""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.orders import selectors, services
from outletcrm.orders.filters import OrderFilterSet, ProductFilterSet, ReturnFilterSet
from outletcrm.orders.models import Order, Payment, ReturnClaim
from outletcrm.orders.serializers import (
    CancelSerializer,
    CreditSerializer,
    DecisionSerializer,
    OrderCreateSerializer,
    OrderDetailSerializer,
    OrderSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    PriceListSerializer,
    ProductSerializer,
    RefusalSerializer,
    ReturnClaimSerializer,
    ReturnCreateSerializer,
)

NOT_FOUND = OpenApiResponse(description="Not found, or outside your data scope.")
BAD_INPUT = OpenApiResponse(description="Invalid input; field errors, nothing was written.")
FORBIDDEN = OpenApiResponse(RefusalSerializer, description="Your role may not do this "
                            "(segregation of duties, core.scoping); nothing was written.")


def _client_id_of(request) -> uuid.UUID | None:
    """The body's client_id when it is a valid UUID (else validation reports it)."""
    value = request.data.get("client_id") if isinstance(request.data, dict) else None
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


@extend_schema_view(
    list=extend_schema(tags=["catalogue"], summary="Products with their default price"),
    retrieve=extend_schema(tags=["catalogue"], summary="A product"),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet):
    """The product catalogue: our products and competitors' (for sightings and stock checks)."""

    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet

    def get_queryset(self):
        return selectors.product_list(competitor=None).order_by("is_competitor", "brand", "code")


@extend_schema_view(
    list=extend_schema(tags=["catalogue"], summary="Price lists with their prices"),
    retrieve=extend_schema(tags=["catalogue"], summary="A price list"),
)
class PriceListViewSet(viewsets.ReadOnlyModelViewSet):
    """Price lists; orders take their unit price from the default one unless given."""

    serializer_class = PriceListSerializer

    def get_queryset(self):
        return selectors.price_list_list()


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="Orders in my scope"),
    retrieve=extend_schema(tags=["orders"], summary="An order with lines, payments, returns",
                           responses={200: OrderDetailSerializer, 404: NOT_FOUND}),
)
class OrderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Orders (进货) of the customers in the caller's scope."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilterSet
    queryset = Order.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)

    def get_object(self) -> Order:
        return selectors.order_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, order: Order, code: int = status.HTTP_200_OK) -> Response:
        order = selectors.order_get(user=self.request.user, pk=order.pk)
        return Response(OrderDetailSerializer(order).data, status=code)

    def retrieve(self, request, pk=None):
        return Response(OrderDetailSerializer(self.get_object()).data)

    @extend_schema(
        tags=["orders"], summary="Take an order",
        request=OrderCreateSerializer,
        responses={201: OrderDetailSerializer,
                   200: OpenApiResponse(OrderDetailSerializer,
                                        description="Replayed client_id: the first order."),
                   400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def create(self, request):
        client_id = _client_id_of(request)
        if client_id:
            replay = selectors.order_by_client_id(user=request.user, client_id=client_id)
            if replay is not None and replay.rep_id == request.user.pk:
                return self._detail(replay)
        serializer = OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = scoping.get_in_scope(Customer.objects.all(), request.user,
                                        pk=data["customer"])
        lines = [{"product": line["product"], "quantity": line["quantity"],
                  "unit_price": line.get("unit_price"), "discount": line.get("discount") or 0}
                 for line in data["lines"]]
        order, created = services.order_create(
            actor=request.user, customer=customer, lines=lines, client_id=data.get("client_id"),
            ordered_at=data.get("ordered_at"), due_date=data.get("due_date"),
            notes=data.get("notes", ""))
        return self._detail(order, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(tags=["orders"], summary="Cancel an order (no payments or returns yet)",
                   request=CancelSerializer,
                   responses={200: OrderDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        serializer = CancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_cancel(actor=request.user, order=order,
                              reason=serializer.validated_data["reason"])
        return self._detail(order)

    @extend_schema(tags=["orders"], summary="Confirm a submitted order", request=None,
                   responses={200: OrderDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        order = services.order_confirm(actor=request.user, order=self.get_object())
        return self._detail(order)

    @extend_schema(tags=["orders"], summary="Mark a confirmed order delivered", request=None,
                   responses={200: OrderDetailSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        order = services.order_deliver(actor=request.user, order=self.get_object())
        return self._detail(order)

    @extend_schema(methods=["GET"], tags=["orders"], summary="Payments of an order",
                   responses={200: PaymentSerializer(many=True), 404: NOT_FOUND})
    @extend_schema(
        methods=["POST"], tags=["orders"], summary="Record a payment (回款) against an order",
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer,
                   200: OpenApiResponse(PaymentSerializer,
                                        description="Replayed client_id: the first payment."),
                   400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=PaymentSerializer,
            filterset_class=None, pagination_class=None)
    def payments(self, request, pk=None):
        order = self.get_object()
        if request.method == "GET":
            payments = selectors.payment_list(user=request.user, order=order)
            return Response(PaymentSerializer(payments, many=True).data)
        client_id = _client_id_of(request)
        if client_id:
            replay = selectors.payment_list(user=request.user, order=order).filter(
                client_id=client_id, collected_by=request.user).first()
            if replay is not None:
                return Response(PaymentSerializer(replay).data)
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment, created = services.payment_record(
            actor=request.user, order=order, amount=data["amount"], method=data["method"],
            paid_at=data.get("paid_at"), client_id=data.get("client_id"),
            notes=data.get("notes", ""))
        payment = Payment.objects.select_related("order", "collected_by").get(pk=payment.pk)
        return Response(PaymentSerializer(payment).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(tags=["orders"], summary="Returns, claims and discounts in my scope"),
    retrieve=extend_schema(tags=["orders"], summary="A return, claim or discount",
                           responses={200: ReturnClaimSerializer, 404: NOT_FOUND}),
)
class ReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Returns, claims and discounts (退货/索赔/折让) of the customers in the caller's scope."""

    serializer_class = ReturnClaimSerializer
    filterset_class = ReturnFilterSet
    queryset = ReturnClaim.objects.none()  # for the schema; get_queryset is the real one

    def get_queryset(self):
        return selectors.return_list(user=self.request.user)

    @extend_schema(
        tags=["orders"], summary="Record a return, claim or discount",
        request=ReturnCreateSerializer,
        responses={201: ReturnClaimSerializer,
                   200: OpenApiResponse(ReturnClaimSerializer,
                                        description="Replayed client_id: the first record."),
                   400: BAD_INPUT, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def create(self, request):
        client_id = _client_id_of(request)
        if client_id:
            replay = self.get_queryset().filter(client_id=client_id,
                                                recorded_by=request.user).first()
            if replay is not None:
                return Response(self.get_serializer(replay).data)
        serializer = ReturnCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        customer = scoping.get_in_scope(Customer.objects.all(), request.user,
                                        pk=data["customer"])
        order = None
        if data.get("order"):
            order = scoping.get_in_scope(Order.objects.all(), request.user, via="customer__",
                                         pk=data["order"])
        claim, created = services.return_create(
            actor=request.user, customer=customer, order=order, kind=data["kind"],
            amount=data["amount"], reason=data["reason"], client_id=data.get("client_id"))
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(self.get_serializer(claim).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _decide(self, request, decide) -> Response:
        claim = selectors.return_get(user=request.user, pk=self.kwargs["pk"])
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = decide(actor=request.user, claim=claim, note=serializer.validated_data["note"])
        return Response(self.get_serializer(selectors.return_get(user=request.user,
                                                                 pk=claim.pk)).data)

    @extend_schema(tags=["orders"], request=DecisionSerializer,
                   summary="Approve a return, claim or discount awaiting approval",
                   responses={200: ReturnClaimSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"], filterset_class=None)
    def approve(self, request, pk=None):
        return self._decide(request, services.return_approve)

    @extend_schema(tags=["orders"], request=DecisionSerializer,
                   summary="Refuse a return, claim or discount awaiting approval (note required)",
                   responses={200: ReturnClaimSerializer, 400: BAD_INPUT, 403: FORBIDDEN,
                              404: NOT_FOUND})
    @action(detail=True, methods=["post"], filterset_class=None)
    def refuse(self, request, pk=None):
        return self._decide(request, services.return_refuse)


class CustomerCreditView(APIView):
    """A customer's balance and payment punctuality over the last 12 months (brief §4)."""

    @extend_schema(tags=["orders"], summary="Credit record: balance and punctuality",
                   responses={200: CreditSerializer, 404: NOT_FOUND})
    def get(self, request, customer_pk: int):
        customer = scoping.get_in_scope(Customer.objects.all(), request.user, pk=customer_pk)
        credit = selectors.customer_credit(customer)
        payload = {**vars(credit), "customer": customer.pk, "on_time_rate": credit.on_time_rate}
        return Response(CreditSerializer(payload).data)

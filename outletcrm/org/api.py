"""REST API v1 for the organisation: token login, the caller's profile, regions, teams, users."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core import scoping
from outletcrm.core.audit import audit_record
from outletcrm.core.logins import client_ip
from outletcrm.core.models import AuditEvent
from outletcrm.org.models import Region, Team, User

TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})
LoginLockedSerializer = inline_serializer("LoginLocked", {
    "detail": serializers.CharField(help_text="Why, until when, and whom to ask; in the "
                                    "caller's language."),
    "code": serializers.ChoiceField(choices=["login_locked"]),
    "locked": serializers.ChoiceField(
        choices=["account", "address"],
        help_text="Locked: the account (too many failures for this username) or the client's "
                  "address (too many failures from it, whatever the username)."),
    "retry_after": serializers.DateTimeField(
        allow_null=True,
        help_text="From when a login may succeed; null: only an administrator can unlock."),
    "retry_after_seconds": serializers.IntegerField(allow_null=True),
})


class TokenView(APIView):
    """Trade a username and password for an API token.

    Failed attempts are counted per account and per client address (django-axes, the same
    counters as the login page); a locked login answers 429 with a `LoginLocked` body and a
    Retry-After header, even when the password is right.
    """

    # Logging in must work even if the client still sends a stale token header.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []  # axes counts failures; a rate limit would answer another shape
    serializer_class = AuthTokenSerializer

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
            429: OpenApiResponse(LoginLockedSerializer,
                                 description="Too many failed logins: locked for a while."),
        },
        summary="Obtain a token",
    )
    def post(self, request):
        # The Django request, not DRF's wrapper: axes marks a locked-out attempt on it, and its
        # middleware (which only sees the Django request) then answers with the lockout.
        serializer = AuthTokenSerializer(data=request.data,
                                         context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        if settings.TOKEN_LIFETIME_DAYS > 0 and token.created <= timezone.now() - timedelta(
                days=settings.TOKEN_LIFETIME_DAYS):
            # An expired token is replaced by a fresh one (accounts.tokens refuses the old).
            token.delete()
            token = Token.objects.create(user=user)
        audit_record(action=AuditEvent.Action.LOGIN, actor=user, object_type="user",
                     channel="api", detail={"ip": client_ip(request._request)})
        return Response({"token": token.key})


class LogoutView(APIView):
    """Revoke the caller's token; the next request with it answers 401."""

    @extend_schema(tags=["auth"], request=None, responses={204: None}, summary="Log out")
    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(tags=["auth"], request=None, responses={204: None}, summary="Log out")
    def delete(self, request):
        return self.post(request)


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    team_name = serializers.StringRelatedField(source="team", read_only=True)
    region_name = serializers.StringRelatedField(source="region", read_only=True)
    can_archive = serializers.SerializerMethodField()
    can_merge = serializers.SerializerMethodField()
    can_override_duplicate = serializers.SerializerMethodField()
    can_view_audit = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "role",
            "role_display",
            "team",
            "team_name",
            "region",
            "region_name",
            "can_archive",
            "can_merge",
            "can_override_duplicate",
            "can_view_audit",
        ]
        read_only_fields = fields

    def get_can_archive(self, user) -> bool:
        return scoping.can_archive_customer(user)

    def get_can_merge(self, user) -> bool:
        return scoping.can_merge_customers(user)

    def get_can_override_duplicate(self, user) -> bool:
        return scoping.can_override_duplicate(user)

    def get_can_view_audit(self, user) -> bool:
        return scoping.can_view_audit(user)


class MeView(APIView):
    """Who the caller is, their role and what the archive lets them do."""

    @extend_schema(tags=["org"], responses=MeSerializer, summary="My profile")
    def get(self, request):
        user = User.objects.select_related("team", "region").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class RegionSerializer(serializers.ModelSerializer):
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = Region
        fields = ["id", "name", "code", "parent", "path", "depth"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The sales-region tree; `path` lists the ids from the root down ("/1/4/9/")."""

    queryset = Region.objects.order_by("path")
    serializer_class = RegionSerializer
    filterset_fields = ["parent"]


class TeamSerializer(serializers.ModelSerializer):
    region_name = serializers.StringRelatedField(source="region", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "region", "region_name"]


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Sales teams and the region each belongs to."""

    queryset = Team.objects.select_related("region").order_by("region__path", "name", "pk")
    serializer_class = TeamSerializer
    filterset_fields = ["region"]


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    team_name = serializers.StringRelatedField(source="team", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "display_name",
            "role",
            "role_display",
            "team",
            "team_name",
        ]


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The reps and supervisors within the caller's scope (the owners they may assign)."""

    serializer_class = UserSerializer
    filterset_fields = ["team", "role"]

    def get_queryset(self):
        return scoping.users_in_scope(self.request.user).select_related("team").order_by("username")

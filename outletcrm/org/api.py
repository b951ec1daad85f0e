"""REST API v1 for the organisation: token login, the caller's profile, regions, teams, users."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from outletcrm.core import scoping
from outletcrm.org.models import Region, Team, User


class LoginRateThrottle(SimpleRateThrottle):
    """Slow down password guessing: a few attempts a minute per username and address."""

    scope = "login"
    rate = "10/min"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        username = str(data.get("username", "")).strip().lower()[:150]
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{username}",
        }


TokenSerializer = inline_serializer("Token", {"token": serializers.CharField()})


class TokenView(APIView):
    """Trade a username and password for an API token."""

    # Logging in must work even if the client still sends a stale token header.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]
    serializer_class = AuthTokenSerializer

    @extend_schema(
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password."),
        },
        summary="Obtain a token",
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
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

"""REST API v1 of the notification centre: the caller's own notifications and preferences.

Everyone, administrators included, sees only their own notifications; another user's
notification answers 404, the same as one that does not exist.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from outletcrm.core.api import Pagination, StrictFieldsMixin, validation_error_detail
from outletcrm.notifications import selectors, services
from outletcrm.notifications.kinds import kinds
from outletcrm.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="title_text", read_only=True,
                                  help_text="In the caller's language.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "customer_id", "created_at",
                  "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


NotificationPageSerializer = inline_serializer("NotificationPage", {
    "count": serializers.IntegerField(),
    "next": serializers.URLField(allow_null=True),
    "previous": serializers.URLField(allow_null=True),
    "results": NotificationSerializer(many=True),
})


class _UnreadQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class NotificationListView(APIView):
    """The caller's notifications, newest first."""

    @extend_schema(tags=["notifications"], summary="My notifications",
                   operation_id="notifications_list",
                   parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL,
                                                description="true: only unread ones; false: "
                                                            "only read ones."),
                               OpenApiParameter("page", OpenApiTypes.INT),
                               OpenApiParameter("page_size", OpenApiTypes.INT)],
                   responses={200: NotificationPageSerializer})
    def get(self, request):
        query = _UnreadQuery(data={k: v for k, v in request.query_params.items()
                                   if k == "unread" and v != ""})
        query.is_valid(raise_exception=True)
        notifications = selectors.notifications_of(request.user)
        unread = query.validated_data.get("unread")
        if unread is not None:
            notifications = notifications.filter(read_at__isnull=unread)
        paginator = Pagination()
        page = paginator.paginate_queryset(notifications, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationDetailView(APIView):
    """One of the caller's notifications."""

    @extend_schema(tags=["notifications"], summary="A notification",
                   responses={200: NotificationSerializer})
    def get(self, request, id):
        notification = get_object_or_404(selectors.notifications_of(request.user), pk=id)
        return Response(NotificationSerializer(notification).data)


class NotificationReadView(APIView):
    """Mark one of the caller's notifications read."""

    @extend_schema(tags=["notifications"], summary="Mark read", request=None,
                   responses={200: NotificationSerializer})
    def post(self, request, id):
        notification = get_object_or_404(selectors.notifications_of(request.user), pk=id)
        services.notification_mark_read(user=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


ReadAllSerializer = inline_serializer("NotificationsReadAll", {
    "marked": serializers.IntegerField(help_text="How many were unread."),
    "unread": serializers.IntegerField(help_text="Unread now (0)."),
})


class NotificationReadAllView(APIView):
    """Mark all the caller's notifications read."""

    @extend_schema(tags=["notifications"], summary="Mark all read", request=None,
                   responses={200: ReadAllSerializer})
    def post(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})


class KindChoiceSerializer(StrictFieldsMixin, serializers.Serializer):
    kind = serializers.CharField(max_length=40)
    label = serializers.CharField(read_only=True)
    in_app = serializers.BooleanField(read_only=True, default=True,
                                      help_text="The notification centre always gets it.")
    email = serializers.BooleanField()
    robot = serializers.BooleanField(help_text="The team's WeCom/DingTalk group robot.")


class PreferencesSerializer(StrictFieldsMixin, serializers.Serializer):
    language = serializers.ChoiceField(
        choices=[("", "")] + [(code, code) for code, _name in settings.LANGUAGES],
        required=False, help_text="Language of e-mail and robot messages; empty: the site's.")
    has_email = serializers.BooleanField(read_only=True,
                                         help_text="Whether e-mail can reach the caller.")
    kinds = KindChoiceSerializer(many=True, required=False)


def _preferences(user) -> dict:
    choices = services.channel_choices(user)
    return {
        "language": services.profile_language(user),
        "has_email": bool(user.email),
        "kinds": [{"kind": k.kind, "label": str(k.label), "in_app": True,
                   "email": choices[k.kind]["email"], "robot": choices[k.kind]["robot"]}
                  for k in kinds()],
    }


class PreferencesView(APIView):
    """The caller's channels per kind of notification, and the language of their messages."""

    @extend_schema(tags=["notifications"], summary="My notification preferences",
                   operation_id="notifications_preferences_retrieve",
                   responses={200: PreferencesSerializer})
    def get(self, request):
        return Response(_preferences(request.user))

    @extend_schema(tags=["notifications"], summary="Change my notification preferences",
                   operation_id="notifications_preferences_update",
                   request=PreferencesSerializer, responses={200: PreferencesSerializer})
    def put(self, request):
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.preferences_set(
                user=request.user, language=data.get("language"),
                choices={c["kind"]: {"email": c["email"], "robot": c["robot"]}
                         for c in data.get("kinds", [])})
        except ValidationError as exc:
            return Response(validation_error_detail(exc), status=400)
        return Response(_preferences(request.user))

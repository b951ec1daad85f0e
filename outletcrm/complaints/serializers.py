"""API serializers of complaints: shape and types here, the business rules in the services."""

from rest_framework import serializers

from outletcrm.complaints.choices import (
    Category,
    Channel,
    Resolution,
    Satisfaction,
    Severity,
    Status,
)
from outletcrm.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, ServiceTarget
from outletcrm.core.api import IdField, StrictFieldsMixin

MONEY = {"max_digits": 10, "decimal_places": 2, "min_value": 0, "max_value": 10_000_000}


class ComplaintEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "actor", "at", "text", "data"]
        read_only_fields = fields


class ComplaintPhotoSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)

    class Meta:
        model = ComplaintPhoto
        fields = ["client_id", "url", "uploaded_at"]
        read_only_fields = fields


class ComplaintSerializer(serializers.ModelSerializer):
    customer_code = serializers.CharField(source="customer.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    assignee_username = serializers.CharField(source="assignee.username", read_only=True)
    breached = serializers.BooleanField(source="is_breached", read_only=True)
    # Empty until resolved: a plain string, so the schema's enum does not refuse "".
    resolution_type = serializers.CharField(
        read_only=True, help_text="fixed, explained, returned, compensated, other; empty until "
                                  "resolved.")

    class Meta:
        model = Complaint
        fields = ["id", "code", "customer", "customer_code", "customer_name", "contact",
                  "channel", "category", "severity", "description", "status", "received_at",
                  "received_by", "assignee", "assignee_username", "first_response_at",
                  "committed_date", "resolved_at", "closed_at", "resolution_type",
                  "resolution_note", "respond_due_at", "resolve_due_at",
                  "respond_breached_at", "resolve_breached_at", "breached", "reopen_count",
                  "market_price", "competitor_quote", "competitor_brand", "competitor_entry",
                  "satisfaction"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    events = ComplaintEventSerializer(many=True, read_only=True)
    photos = ComplaintPhotoSerializer(many=True, read_only=True)
    asks_price_check = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "asks_price_check", "events", "photos"]
        read_only_fields = fields

    def get_asks_price_check(self, complaint) -> bool:
        from outletcrm.complaints.services import asks_price_check

        return asks_price_check(complaint)


class IntakeSerializer(StrictFieldsMixin, serializers.Serializer):
    customer = IdField()
    contact = IdField(required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    description = serializers.CharField(max_length=2000)
    assignee = IdField(required=False, allow_null=True)
    received_at = serializers.DateTimeField(required=False)


class TextSerializer(StrictFieldsMixin, serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class AssignSerializer(StrictFieldsMixin, serializers.Serializer):
    assignee = IdField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CommitSerializer(StrictFieldsMixin, serializers.Serializer):
    date = serializers.DateField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResolveSerializer(StrictFieldsMixin, serializers.Serializer):
    resolution_type = serializers.ChoiceField(choices=Resolution.choices)
    note = serializers.CharField(max_length=2000)
    market_price = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    competitor_quote = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    competitor_brand = serializers.CharField(max_length=50, required=False, allow_blank=True,
                                             default="")
    competitor_entry = IdField(required=False, allow_null=True)


class CloseSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReopenSerializer(StrictFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SatisfactionSerializer(StrictFieldsMixin, serializers.Serializer):
    score = serializers.ChoiceField(choices=Satisfaction.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


class ServiceTargetSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = ServiceTarget
        fields = ["id", "severity", "respond_minutes", "resolve_minutes", "updated_at"]
        read_only_fields = ["id", "severity", "updated_at"]


STATUS_CHOICES = Status.choices

"""Django admin: group robots (administrators set them up) and deliveries (to see failures).

A robot's signing secret is write-only: the form never shows it back, and an empty field
keeps the stored one (tick "clear the secret" to remove it).
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from outletcrm.notifications import services
from outletcrm.notifications.models import Delivery, RobotChannel


class RobotChannelForm(forms.ModelForm):
    secret = forms.CharField(
        label=_("Signing secret"), required=False, strip=True, max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("DingTalk's 加签 secret (SEC…). Never shown again; leave empty to keep "
                    "the stored one."))
    clear_secret = forms.BooleanField(label=_("Clear the secret"), required=False)

    class Meta:
        model = RobotChannel
        fields = ["name", "team", "kind", "url", "secret", "active"]

    def _post_clean(self):
        # Keep the stored secret unless a new one is typed or clearing is asked for; the
        # model's clean() then checks the secret that will really be stored.
        typed = self.cleaned_data.get("secret", "")
        stored = RobotChannel.objects.filter(pk=self.instance.pk).values_list(
            "secret", flat=True).first() if self.instance.pk else ""
        if self.cleaned_data.get("clear_secret"):
            self.cleaned_data["secret"] = ""
        elif not typed:
            self.cleaned_data["secret"] = stored or ""
        super()._post_clean()


@admin.register(RobotChannel)
class RobotChannelAdmin(admin.ModelAdmin):
    form = RobotChannelForm
    list_display = ["name", "kind", "team", "active", "has_secret", "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]

    @admin.display(boolean=True, description=_("Signed"))
    def has_secret(self, obj) -> bool:
        return bool(obj.secret)

    def save_model(self, request, obj, form, change):
        services.robot_save(robot=obj)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["notification", "channel", "robot", "status", "attempts",
                    "next_attempt_at", "last_error"]
    list_filter = ["status", "channel"]
    list_select_related = ["notification", "robot"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

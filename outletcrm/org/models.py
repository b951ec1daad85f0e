"""Users, roles, the sales-region tree and teams (brief §1)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Field rep")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    CUSTODIAN = "custodian", _("Archive custodian")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    ADMIN = "admin", _("Administrator")


class Region(models.Model):
    """A sales region; regions form a tree (华东大区 > 浙江省区 > 杭州办事处)."""

    name = models.CharField(_("Name"), max_length=100)
    code = models.SlugField(_("Code"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("Parent region"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Materialised path ("/1/4/9/") so a manager's subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    # The region's named archive custodian (专人负责, brief §7); a region without one is kept
    # by the nearest custodian up the tree (core.scoping.nearest_custodians).
    custodian = models.ForeignKey(
        "org.User", verbose_name=_("Archive custodian"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="custodian_of",
        limit_choices_to={"role": "custodian"},
    )

    class Meta:
        ordering = ["path"]
        verbose_name = _("Sales region")
        verbose_name_plural = _("Sales region")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("A region cannot be its own parent or sit below itself.")})
            ancestor = ancestor.parent


class Team(models.Model):
    """A sales team belongs to one region; reps belong to teams."""

    name = models.CharField(_("Name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("Region"), on_delete=models.PROTECT, related_name="teams"
    )

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = _("Sales team")
        verbose_name_plural = _("Sales team")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using OutletCRM; the role decides their data scope (core.scoping)."""

    role = models.CharField(_("Role"), max_length=20, choices=Role.choices, default=Role.REP)
    display_name = models.CharField(_("Full name"), max_length=50, blank=True)
    mobile = models.CharField(_("Mobile"), max_length=20, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("Team"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("Managed region"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="managers",
        help_text=_("The region a manager is responsible for (with the regions below it)."),
    )
    # Seeded demo accounts carry this flag so production can refuse to run with them.
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("User")
        verbose_name_plural = _("User")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role in (Role.REP, Role.SUPERVISOR) and not self.team_id:
            raise ValidationError({"team": _("Reps and supervisors must belong to a team.")})
        if self.role == Role.MANAGER and not self.region_id:
            raise ValidationError({"region": _("A manager must be given a region.")})

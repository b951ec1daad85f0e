"""Users, roles, the sales-region tree and teams (brief §1)."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("业务员")
    SUPERVISOR = "supervisor", _("销售主管")
    MANAGER = "manager", _("区域经理")
    CUSTODIAN = "custodian", _("档案管理员")
    ADMIN = "admin", _("系统管理员")


class Region(models.Model):
    """A sales region; regions form a tree (华东大区 > 浙江省区 > 杭州办事处)."""

    name = models.CharField(_("名称"), max_length=100)
    code = models.SlugField(_("编码"), max_length=40, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区域"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # Materialised path ("/1/4/9/") so a manager's subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["path"]
        verbose_name = _("销售区域")
        verbose_name_plural = _("销售区域")

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2 if self.path else 0

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("上级区域不能是自身或其下级。")})
            ancestor = ancestor.parent


class Team(models.Model):
    """A sales team belongs to one region; reps belong to teams."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区域"), on_delete=models.PROTECT, related_name="teams"
    )

    class Meta:
        ordering = ["region__path", "name"]
        verbose_name = _("销售团队")
        verbose_name_plural = _("销售团队")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person using OutletCRM; the role decides their data scope (core.scoping)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.REP)
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机"), max_length=20, blank=True)
    team = models.ForeignKey(
        Team, verbose_name=_("所属团队"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("负责区域"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="managers",
        help_text=_("区域经理负责的区域（含下级区域）。"),
    )
    # Seeded demo accounts carry this flag so production can refuse to run with them.
    is_demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def clean(self):
        super().clean()
        if self.role in (Role.REP, Role.SUPERVISOR) and not self.team_id:
            raise ValidationError({"team": _("业务员和主管必须属于一个团队。")})
        if self.role == Role.MANAGER and not self.region_id:
            raise ValidationError({"region": _("区域经理必须指定负责区域。")})

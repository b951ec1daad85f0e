"""The customer archive (客户档案, brief §7): outlets, contacts, competitor file."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from outletcrm.customers.choices import (
    Channel,
    ClassScheme,
    Closeness,
    ContactRole,
    DecisionRole,
    Satisfaction,
    Source,
    Status,
)
from outletcrm.customers.validators import (
    validate_latitude,
    validate_longitude,
    validate_mobile,
    validate_phone,
)


class LabelledModel(models.Model):
    """A configurable list entry with a Chinese name and an English one."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=50, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class OutletType(LabelledModel):
    """Kind of outlet: supermarket, pharmacy, village clinic… (configurable)."""

    class Meta(LabelledModel.Meta):
        verbose_name = _("终端类型")
        verbose_name_plural = _("终端类型")


class CustomerClass(LabelledModel):
    """A class in a classification scheme (重点/普通/潜在, or A/B/C); configurable."""

    scheme = models.CharField(_("分级方案"), max_length=20, choices=ClassScheme.choices)
    visit_every_weeks = models.PositiveSmallIntegerField(
        _("拜访周期（周）"), null=True, blank=True,
        help_text=_("该级别客户建议的拜访间隔，例如重点客户每周一次。"),
    )

    class Meta(LabelledModel.Meta):
        ordering = ["scheme", "sort_order", "pk"]
        verbose_name = _("客户级别")
        verbose_name_plural = _("客户级别")


class Tag(models.Model):
    """A free label on customers (e.g. 社区店, 24小时)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def live(self):
        """Customers in daily work: not archived."""
        return self.filter(archived_at__isnull=True)


class Customer(models.Model):
    """A terminal customer (终端客户): one master record per outlet (唯一性)."""

    code = models.CharField(_("客户编号"), max_length=20, unique=True, editable=False)
    name = models.CharField(_("客户名称"), max_length=100)
    outlet_type = models.ForeignKey(
        OutletType, verbose_name=_("终端类型"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("渠道"), max_length=20, choices=Channel.choices, default=Channel.TRADITIONAL
    )
    province = models.CharField(_("省"), max_length=30, blank=True)
    city = models.CharField(_("市"), max_length=30, blank=True)
    district = models.CharField(_("区县"), max_length=30, blank=True)
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("纬度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_latitude], help_text=_("WGS-84"),
    )
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[validate_longitude], help_text=_("WGS-84"),
    )
    phone = models.CharField(_("门店电话"), max_length=30, blank=True, validators=[validate_phone])
    opens_at = models.TimeField(_("营业开始"), null=True, blank=True)
    closes_at = models.TimeField(_("营业结束"), null=True, blank=True)
    floor_area = models.DecimalField(
        _("营业面积（㎡）"), max_digits=8, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1_000_000)],
    )
    staff_count = models.PositiveIntegerField(
        _("员工人数"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    years_in_business = models.PositiveSmallIntegerField(
        _("经营年限"), null=True, blank=True, validators=[MaxValueValidator(200)]
    )
    brands = models.JSONField(_("经营品牌"), default=list, blank=True)
    source = models.CharField(_("客户来源"), max_length=20, choices=Source.choices,
                              default=Source.STREET_SWEEP)
    referred_by = models.ForeignKey(
        "self", verbose_name=_("介绍人（客户）"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="referrals",
    )
    status = models.CharField(_("客户状态"), max_length=20, choices=Status.choices,
                              default=Status.POTENTIAL)
    customer_class = models.ForeignKey(
        CustomerClass, verbose_name=_("客户级别"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"scheme": ClassScheme.IMPORTANCE},
    )
    abc_class = models.ForeignKey(
        CustomerClass, verbose_name=_("ABC分类"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", limit_choices_to={"scheme": ClassScheme.ABC},
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责业务员"), on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    # Denormalised from the owner by customer services; the scope rules filter on them.
    team = models.ForeignKey("org.Team", on_delete=models.PROTECT, related_name="+",
                             null=True, editable=False)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               null=True, editable=False)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    notes = models.TextField(_("备注"), blank=True)

    # Lower-cased name, address, pinyin (full and initials) and phones, for one LIKE search.
    search_text = models.TextField(editable=False, default="")
    name_norm = models.CharField(max_length=100, editable=False, default="", db_index=True)
    address_norm = models.CharField(max_length=200, editable=False, default="")

    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True, editable=False)
    archive_reason = models.CharField(_("归档原因"), max_length=200, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True, db_index=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["team", "name"]),
            models.Index(fields=["region", "name"]),
            models.Index(fields=["phone"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def full_address(self) -> str:
        return "".join(p for p in (self.province, self.city, self.district, self.address) if p)

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("经纬度必须同时填写或同时留空。")
        if self.opens_at and self.closes_at and self.opens_at == self.closes_at:
            errors["closes_at"] = _("营业结束时间不能与开始时间相同。")
        if self.source == Source.REFERRAL and not self.referred_by_id:
            errors["referred_by"] = _("来源为转介绍时，请选择介绍人。")
        if self.referred_by_id and self.pk and self.referred_by_id == self.pk:
            errors["referred_by"] = _("客户不能介绍自己。")
        if not isinstance(self.brands, list) or not all(isinstance(b, str) for b in self.brands):
            errors["brands"] = _("经营品牌必须是品牌名称的列表。")
        if errors:
            raise ValidationError(errors)


class Contact(models.Model):
    """A person at the outlet (key contact, brief §7)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=20, choices=ContactRole.choices,
                            default=ContactRole.OWNER)
    decision_role = models.CharField(_("决策角色"), max_length=20, choices=DecisionRole.choices,
                                     default=DecisionRole.NONE)
    mobile = models.CharField(_("手机"), max_length=11, blank=True, validators=[validate_mobile],
                              db_index=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(
        _("农历生日"), default=False,
        help_text=_("勾选表示生日按农历记录（月、日为农历），关怀提醒会换算为公历日期。"),
    )
    interests = models.CharField(_("兴趣爱好"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "pk"]
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self) -> str:
        return self.name


class CompetitorEntry(models.Model):
    """The competitor file of a customer (竞争对手档案, brief §7)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="competitors")
    brand = models.CharField(_("竞品品牌"), max_length=50)
    products = models.CharField(_("在用竞品"), max_length=200, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("客户满意度"), choices=Satisfaction.choices, null=True, blank=True
    )
    competitor_rep = models.CharField(_("竞品业务员"), max_length=50, blank=True)
    closeness = models.CharField(_("与客户关系"), max_length=20, choices=Closeness.choices,
                                 default=Closeness.NORMAL)
    notes = models.CharField(_("备注"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand", "pk"]
        verbose_name = _("竞品信息")
        verbose_name_plural = _("竞品信息")

    def __str__(self) -> str:
        return self.brand

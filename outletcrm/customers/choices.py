"""Fixed choice lists of the customer archive (configurable lists are models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    MODERN = "modern", _("现代渠道（商超/连锁）")
    TRADITIONAL = "traditional", _("传统渠道（便利店/夫妻店）")
    CATERING = "catering", _("餐饮渠道")
    MEDICAL = "medical", _("医疗渠道")
    WHOLESALE = "wholesale", _("批发渠道")
    INDUSTRIAL = "industrial", _("工业终端")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    STREET_SWEEP = "street_sweep", _("扫街")
    REFERRAL = "referral", _("转介绍")
    FAIR = "fair", _("展会")
    WEB = "web", _("网络")
    DIRECTORY = "directory", _("名录")
    INBOUND = "inbound", _("客户来电")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    """Lifecycle (brief §3): potential → intent → active → dormant / lost."""

    POTENTIAL = "potential", _("潜在客户")
    INTENT = "intent", _("意向客户")
    ACTIVE = "active", _("既成客户")
    DORMANT = "dormant", _("休眠客户")
    LOST = "lost", _("流失客户")


class ClassScheme(models.TextChoices):
    IMPORTANCE = "importance", _("重要性分级")
    ABC = "abc", _("ABC分类")


class ContactRole(models.TextChoices):
    OWNER = "owner", _("老板")
    STORE_MANAGER = "store_manager", _("店长")
    CLERK = "clerk", _("店员")
    DOCTOR = "doctor", _("科室医生")
    PHARMACIST = "pharmacist", _("药师")
    BUYER = "buyer", _("采购")
    FINANCE = "finance", _("财务")
    OTHER = "other", _("其他")


class DecisionRole(models.TextChoices):
    DECIDER = "decider", _("决策者")
    INFLUENCER = "influencer", _("影响者")
    USER = "user", _("使用者")
    GATEKEEPER = "gatekeeper", _("把关者")
    NONE = "none", _("无")


class Closeness(models.TextChoices):
    DISTANT = "distant", _("疏远")
    NORMAL = "normal", _("一般")
    CLOSE = "close", _("密切")
    VERY_CLOSE = "very_close", _("非常密切")


class Satisfaction(models.IntegerChoices):
    VERY_LOW = 1, _("很不满意")
    LOW = 2, _("不满意")
    NEUTRAL = 3, _("一般")
    HIGH = 4, _("满意")
    VERY_HIGH = 5, _("很满意")

"""The demo maker's catalogue: 清泉 drinks and snacks, and the competitor products reps meet.

清泉 is the demo company's own brand (a regional drinks and snacks maker, as in the brief's
fast-moving consumer goods examples). `price` is the case price of the default price list (what
an outlet pays us, in yuan); `retail` is the suggested shelf price of one bottle, bag or box,
which stock checks and competitor sightings record. `reach` is the share of outlets that carry
the product before the outlet type and status are taken into account: the flagship 550 ml
water is nearly everywhere, snacks and juice much less, which gives the numeric distribution
(铺货率) a realistic spread. Codes are stable so a second seed finds the same products.
"""

from typing import NamedTuple

OUR_BRAND = "清泉"
PRICE_LIST_NAME = "清泉渠道标准价格表"


class ProductPlan(NamedTuple):
    """One catalogue product (fields as orders.Product, plus the demo's prices and reach)."""

    code: str
    name: str
    category: str
    spec: str
    unit: str
    price: str | None  # case price in the default price list; None for competitor products
    retail: str  # suggested shelf price of one piece
    reach: float
    brand: str = OUR_BRAND


OUR_PRODUCTS: tuple[ProductPlan, ...] = (
    ProductPlan("QQ-W0550", "饮用天然水550ml", "饮用水", "550ml×24瓶", "箱", "26.40", "2.00", 0.97),
    ProductPlan("QQ-W0380", "饮用天然水380ml", "饮用水", "380ml×24瓶", "箱", "21.60", "1.50", 0.55),
    ProductPlan("QQ-W1500", "饮用天然水1.5L", "饮用水", "1.5L×12瓶", "箱", "36.00", "4.00", 0.80),
    ProductPlan("QQ-W5000", "饮用天然水5L", "饮用水", "5L×4桶", "箱", "30.00", "10.00", 0.45),
    ProductPlan("QQ-S0500", "无糖苏打水", "饮用水", "500ml×15瓶", "箱", "45.00", "4.00", 0.40),
    ProductPlan("QQ-T0500G", "茉莉绿茶", "茶饮料", "500ml×15瓶", "箱", "39.00", "3.50", 0.75),
    ProductPlan("QQ-T0500R", "冰红茶", "茶饮料", "500ml×15瓶", "箱", "39.00", "3.50", 0.72),
    ProductPlan("QQ-T0500U", "无糖乌龙茶", "茶饮料", "500ml×15瓶", "箱", "52.50", "5.00", 0.38),
    ProductPlan("QQ-J0450O", "100%橙汁", "果汁", "450ml×15瓶", "箱", "67.50", "6.50", 0.60),
    ProductPlan("QQ-J1000O", "果粒橙", "果汁", "1L×6瓶", "箱", "45.00", "9.00", 0.35),
    ProductPlan("QQ-J0450A", "苹果汁", "果汁", "450ml×15瓶", "箱", "60.00", "6.00", 0.30),
    ProductPlan("QQ-E0500", "电解质饮料", "功能饮料", "500ml×15瓶", "箱", "60.00", "5.50", 0.33),
    ProductPlan("QQ-N0080", "原味苏打饼干", "零食", "80g×30包", "箱", "54.00", "2.50", 0.30),
    ProductPlan("QQ-N0060", "海苔味薯片", "零食", "60g×24袋", "箱", "57.60", "3.50", 0.28),
    ProductPlan("QQ-N0025", "每日坚果", "零食", "25g×30袋", "件", "69.00", "3.50", 0.22),
    ProductPlan("QQ-G0550", "天然水礼盒", "饮用水", "550ml×12瓶", "件", "30.00", "38.00", 0.15),
)

# What a stock check always looks at: the products the sales plan tracks distribution of.
CORE_PRODUCTS: tuple[str, ...] = ("QQ-W0550", "QQ-W1500", "QQ-T0500G", "QQ-T0500R", "QQ-J0450O")

COMPETITOR_PRODUCTS: tuple[ProductPlan, ...] = (
    ProductPlan("CP-NFSQ-W550", "饮用天然水", "饮用水", "550ml", "瓶", None, "2.00", 0, "农夫山泉"),
    ProductPlan("CP-NFSQ-T500", "东方树叶茉莉花茶", "茶饮料", "500ml", "瓶", None, "5.00", 0,
                "农夫山泉"),
    ProductPlan("CP-CRBS-W555", "纯净水", "饮用水", "555ml", "瓶", None, "2.00", 0, "怡宝"),
    ProductPlan("CP-KSF-T500", "冰红茶", "茶饮料", "500ml", "瓶", None, "3.00", 0, "康师傅"),
    ProductPlan("CP-KSF-W550", "包装饮用水", "饮用水", "550ml", "瓶", None, "1.50", 0, "康师傅"),
    ProductPlan("CP-TY-T500", "冰红茶", "茶饮料", "500ml", "瓶", None, "3.00", 0, "统一"),
    ProductPlan("CP-TY-J450", "鲜橙多", "果汁", "450ml", "瓶", None, "3.50", 0, "统一"),
    ProductPlan("CP-WHH-W596", "纯净水", "饮用水", "596ml", "瓶", None, "1.50", 0, "娃哈哈"),
    ProductPlan("CP-WHH-AD220", "AD钙奶", "乳饮料", "220g×4瓶", "排", None, "6.50", 0, "娃哈哈"),
    ProductPlan("CP-BSS-W570", "天然矿泉水", "饮用水", "570ml", "瓶", None, "3.00", 0, "百岁山"),
    ProductPlan("CP-YQSL-S480", "苏打气泡水", "饮用水", "480ml", "瓶", None, "5.00", 0, "元气森林"),
    ProductPlan("CP-LS-N70", "原味薯片", "零食", "70g", "袋", None, "7.50", 0, "乐事"),
)

ALL_PRODUCTS: tuple[ProductPlan, ...] = OUR_PRODUCTS + COMPETITOR_PRODUCTS

# What competitors run on the shelf, as a rep writes it down.
PROMOTIONS: tuple[str, ...] = (
    "买二送一",
    "第二瓶半价",
    "满10元减2元",
    "整箱购买送1瓶",
    "扫码赢红包",
    "冰柜陈列奖励",
    "新品试饮",
    "会员价9折",
)

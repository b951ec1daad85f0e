"""The demo company's organisation: a region tree, six territory teams and who manages what.

华东大区 (root) holds three top regions, each with two offices (办事处); every office has one team
whose territory is a set of streets (outletcrm.demo.data.hangzhou, `team`). Managers own a top
region (they see both offices' customers), supervisors a team, reps a compact part of the
team's territory.
"""

from typing import NamedTuple


class RegionPlan(NamedTuple):
    """A region of the demo tree; `parent` is the parent's code."""

    name: str
    code: str
    parent: str | None


class TeamPlan(NamedTuple):
    """A sales team and the territory key of its streets."""

    key: str  # the `team` of the streets in its territory
    name: str
    region: str  # code of the office it belongs to


ROOT_REGION = "east"

REGIONS: tuple[RegionPlan, ...] = (
    RegionPlan("华东大区", ROOT_REGION, None),
    RegionPlan("杭州西区", "hz-west", ROOT_REGION),
    RegionPlan("杭州中区", "hz-central", ROOT_REGION),
    RegionPlan("杭州东南区", "hz-southeast", ROOT_REGION),
    RegionPlan("西湖办事处", "hz-xihu", "hz-west"),
    RegionPlan("三墩办事处", "hz-sandun", "hz-west"),
    RegionPlan("湖滨办事处", "hz-hubin", "hz-central"),
    RegionPlan("拱墅办事处", "hz-gongshu", "hz-central"),
    RegionPlan("城东办事处", "hz-chengdong", "hz-southeast"),
    RegionPlan("钱江办事处", "hz-qianjiang", "hz-southeast"),
)

# sup01… supervise the teams in this order; reps are numbered team by team in it too.
TEAMS: tuple[TeamPlan, ...] = (
    TeamPlan("xihu", "西湖文教组", "hz-xihu"),
    TeamPlan("sandun", "三墩古荡组", "hz-sandun"),
    TeamPlan("hubin", "湖滨武林组", "hz-hubin"),
    TeamPlan("gongshu", "拱墅运河组", "hz-gongshu"),
    TeamPlan("chengdong", "城东新城组", "hz-chengdong"),
    TeamPlan("jiangnan", "钱江两岸组", "hz-qianjiang"),
)

# mgr01… in this order, one per top region.
MANAGED_REGIONS: tuple[str, ...] = ("hz-west", "hz-central", "hz-southeast")

DEMO_REGION_CODES: frozenset[str] = frozenset(r.code for r in REGIONS)

"""The kinds of notification a user can choose channels for, and their default channels.

Apps that notify register their kinds in their AppConfig.ready():

    from outletcrm.notifications.kinds import register_kind
    register_kind("complaint.reopened", _("A complaint was reopened"), email=True)

The in-app centre always receives every kind; `email` and `robot` are the defaults for users
who have not chosen (e-mail only reaches users with an address; the robot only posts where an
administrator has set one up for the user's team or the company).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The longest kind the Notification and Preference columns hold.
KIND_MAX_LENGTH = 40


@dataclass(frozen=True)
class Kind:
    """A kind of notification, its label and its default channels."""

    kind: str
    label: str | Promise
    email: bool = False
    robot: bool = False


_KINDS: dict[str, Kind] = {}


def register_kind(kind: str, label, *, email: bool = False, robot: bool = False) -> Kind:
    """Register (or re-register, e.g. to change a label) a kind of notification."""
    if not kind or len(kind) > KIND_MAX_LENGTH:
        raise ValueError(f"A notification kind is 1–{KIND_MAX_LENGTH} characters: {kind!r}")
    _KINDS[kind] = Kind(kind=kind, label=label, email=email, robot=robot)
    return _KINDS[kind]


def kinds() -> list[Kind]:
    """Every registered kind, in the order of registration."""
    return list(_KINDS.values())


def get_kind(kind: str) -> Kind:
    """A registered kind; an unregistered one has its name as label and the in-app centre
    only (nothing leaves the building for a kind nobody declared)."""
    return _KINDS.get(kind) or Kind(kind=kind, label=kind)


# The kinds of issue 9 (the contract between the maintenance apps). Defaults: what is urgent
# and shared by a team (a breached complaint target, a complaint to take) goes to the team's
# group robot too; what a person must act on goes to their e-mail; a due task stays in-app.
register_kind("task.due", _("A task is due"))
register_kind("task.overdue", _("A task is overdue"), email=True)
register_kind("complaint.assigned", _("A complaint is assigned to me"), robot=True)
register_kind("complaint.breach", _("A complaint missed its service target"), email=True,
              robot=True)
register_kind("churn.flag", _("A customer may be drifting away"), email=True)
register_kind("calendar.unknown", _("The company calendar needs next year's holidays"),
              email=True)

"""Data scope, in one place (brief §1; issue: the customer archive, item 3).

Every query that returns customer data goes through `restrict()`: pages, API, search and
export alike. A record outside the user's scope is treated as if it did not exist (404), the
same answer as for a record that does not exist, so scope never leaks existence.

  rep        – the customers they own
  supervisor – their team's customers
  manager    – customers of their region and every region below it
  custodian, administrator – all customers
  customer service – all customers (to log a complaint for anyone), but no field data and
                     no trading (complaints section below)

Customer rows carry denormalised `team` and `region` (kept true by the customer services when
the owner changes) so each rule is one indexed column.
"""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from outletcrm.org.models import Region, Role, User

ALL_ROLES = {Role.CUSTODIAN, Role.ADMIN}


def _subtree_ids(region_id: int) -> list[int]:
    path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first()
    if not path:
        return []
    return list(Region.objects.filter(path__startswith=path).values_list("pk", flat=True))


def _managed_region_ids(user: User) -> list[int]:
    """The manager's region subtree, looked up once per request (the user object lives that
    long) instead of twice per scoped query; recomputed if the user's region changes."""
    cached = getattr(user, "_scope_subtree", None)
    if cached is None or cached[0] != user.region_id:
        cached = (user.region_id, _subtree_ids(user.region_id))
        user._scope_subtree = cached
    return cached[1]


def customer_scope_q(user: User, *, via: str = "") -> Q | None:
    """The filter for customers `user` may see; None means no restriction.

    `via` is the lookup path from the queried model to the customer ("" for Customer itself,
    "customer__" for contacts, visits, orders…).
    """
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    role = user.role
    if role in ALL_ROLES or user.is_superuser:
        return None
    if role == Role.CUSTOMER_SERVICE:  # the hotline takes complaints about any customer
        return None
    if role == Role.MANAGER and user.region_id:
        return Q(**{f"{via}region_id__in": _managed_region_ids(user)})
    if role == Role.SUPERVISOR and user.team_id:
        return Q(**{f"{via}team_id": user.team_id})
    if role == Role.REP:
        return Q(**{f"{via}owner_id": user.pk})
    return Q(pk__in=[])


def restrict(queryset: QuerySet, user: User, *, via: str = "") -> QuerySet:
    """Limit `queryset` to what `user` may see."""
    condition = customer_scope_q(user, via=via)
    return queryset if condition is None else queryset.filter(condition)


def get_in_scope(queryset: QuerySet, user: User, *, via: str = "", **lookup):
    """Fetch one record in scope, or raise Http404 exactly as for a missing record."""
    try:
        return restrict(queryset, user, via=via).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def users_in_scope(user: User) -> QuerySet:
    """People whose customers `user` may see and assign to (owner choices)."""
    reps = User.objects.filter(is_active=True, role__in=[Role.REP, Role.SUPERVISOR])
    if not user.is_authenticated:
        return reps.none()
    if user.role in ALL_ROLES or user.is_superuser:
        return reps
    if user.role == Role.MANAGER and user.region_id:
        return reps.filter(team__region_id__in=_managed_region_ids(user))
    if user.role == Role.SUPERVISOR and user.team_id:
        return reps.filter(team_id=user.team_id)
    return reps.filter(pk=user.pk)


# --- action rules, kept together so they can be reviewed as one -------------------------

def can_edit_customer(user: User) -> bool:
    """Anyone who can see a customer may edit it (the record then shows who changed what)."""
    return user.is_authenticated and user.is_active


def can_archive_customer(user: User) -> bool:
    """Archiving takes a customer out of daily work: supervisors and above, and the custodian."""
    return user.role in {Role.SUPERVISOR, Role.MANAGER, Role.CUSTODIAN, Role.ADMIN}


def can_merge_customers(user: User) -> bool:
    """Merging master records is the custodian's job (专人负责, brief §7)."""
    return user.role in ALL_ROLES or user.is_superuser


def can_override_duplicate(user: User) -> bool:
    """Only the custodian may file a record that the duplicate check flagged."""
    return user.role in ALL_ROLES or user.is_superuser


def can_assign_owner(user: User, owner: User) -> bool:
    """A user may hand customers only to people inside their own scope."""
    return users_in_scope(user).filter(pk=owner.pk).exists()


def can_view_audit(user: User) -> bool:
    """The export and import log is for the custodian and administrators."""
    return user.role in ALL_ROLES or user.is_superuser


def can_run_platform(user: User) -> bool:
    """The company calendar and the background job runs are for administrators only; to
    anyone else those pages do not exist (404)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.ADMIN or user.is_superuser)


# --- field work: plans, visits and positions belong to the rep who made them -------------
# Reps see their own; a supervisor their team's; a manager their region subtree's; the
# administrator all. Positions are the reps' personal data (issue 3, item 9), so the archive
# custodian, who sees every customer, does not see visits' positions through this scope.

def rep_scope_q(user: User, *, via: str = "rep__") -> Q | None:
    """Filter for records keyed on a rep (plans, visits, routes); None means no restriction."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMIN or user.is_superuser:
        return None
    if user.role == Role.MANAGER and user.region_id:
        return Q(**{f"{via}team__region_id__in": _managed_region_ids(user)})
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(**{f"{via}team_id": user.team_id})
    if user.role == Role.REP:
        return Q(**{f"{via}pk": user.pk}) if via else Q(pk=user.pk)
    return Q(pk__in=[])


def restrict_to_reps(queryset: QuerySet, user: User, *, via: str = "rep__") -> QuerySet:
    """Limit rep-keyed records (plans, visits, routes) to what `user` may see."""
    condition = rep_scope_q(user, via=via)
    return queryset if condition is None else queryset.filter(condition)


def reps_in_scope(user: User) -> QuerySet:
    """Field staff whose plans and visits `user` may see."""
    people = User.objects.filter(is_active=True, role__in=[Role.REP, Role.SUPERVISOR])
    return restrict_to_reps(people, user, via="")


def is_field_supervisor(user: User) -> bool:
    """Supervisors, managers and administrators: route design, plan generation, team splits."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role in {Role.SUPERVISOR, Role.MANAGER, Role.ADMIN} or user.is_superuser)


def can_supervise(user: User, rep: User) -> bool:
    """Supervisors, managers and administrators act on the plans and visits of their reps."""
    if user.pk == rep.pk or user.role not in {Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}:
        return False
    return reps_in_scope(user).filter(pk=rep.pk).exists()


# --- stored files (core/files.py serves them; nothing under MEDIA_ROOT is public) ----------
# A visit photo is field data like its visit: the rep who took it, his supervisor, the manager
# of his region and the administrator see it; the archive custodian does not (the photo shows
# where a rep was and when, and the custodian sees no rep's field data). Anyone else gets 404.
# An import's rejected-rows workbook belongs to the user who imported it, in the session that
# imported it, for a day (customers/views_io.py); nobody else can name it.

def restrict_visit_photos(queryset: QuerySet, user: User) -> QuerySet:
    """Limit visit photos to those whose visit `user` may see."""
    return restrict_to_reps(queryset, user, via="visit__rep__")


# --- trading: orders, payments, returns/claims/discounts (segregation of duties) ---------
# Everyone who works with customers trades with them, except the archive custodian, whose job
# is the archive (brief §1). Anything that commits the company or gives money away needs a
# second person (four eyes): nobody confirms or delivers an order they took, and nobody
# approves a return, claim or discount they recorded. That second person has a supervising
# role (supervisor, manager, administrator), ranks at least as high as the author (a peer or
# a superior, never a subordinate) and has the customer in their own scope.

TRADING_ROLES = {Role.REP, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}
_RANK = {Role.REP: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.ADMIN: 4}


def _rank(user: User) -> int:
    return 4 if user.is_superuser else _RANK.get(user.role, 0)


def can_trade(user: User) -> bool:
    """Take orders, record payments and record returns, claims and discounts."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role in TRADING_ROLES or user.is_superuser)


def can_countersign(user: User, author: User | None, customer) -> bool:
    """The second pair of eyes on what `author` did for `customer` (rules above)."""
    if not can_trade(user) or author is None or user.pk == author.pk:
        return False
    if _rank(user) < 2 or _rank(user) < _rank(author):
        return False
    # The customer's own model (customers sits above core, so it is not imported here).
    return restrict(customer._meta.model.objects.filter(pk=customer.pk), user).exists()


def can_confirm_order(user: User, order) -> bool:
    """Confirming accepts the order for delivery: not by the person who took it."""
    return can_countersign(user, order.rep, order.customer)


def can_deliver_order(user: User, order) -> bool:
    """Marking delivered says the goods left: not by the person who took the order."""
    return can_countersign(user, order.rep, order.customer)


def can_cancel_order(user: User, order) -> bool:
    """The taker may withdraw an order until it is confirmed; after that, only someone who
    may confirm it (a confirmed order is the company's commitment, not the rep's alone)."""
    if not can_trade(user):
        return False
    if order.status == "submitted" and user.pk == order.rep_id:
        return True
    return can_countersign(user, order.rep, order.customer)


def can_decide_credit(user: User, claim) -> bool:
    """Approve or refuse a return, claim or discount waiting for approval."""
    return can_countersign(user, claim.recorded_by, claim.customer)


def countersign_roles(user: User) -> list[str]:
    """Roles of the authors whose work `user` may countersign (for list queries)."""
    if not can_trade(user) or _rank(user) < 2:
        return []
    return [role for role, rank in _RANK.items() if rank <= _rank(user)]


def may_credit_without_approval(user: User, amount, recent_unapproved) -> bool:
    """A return, claim or discount counts at once only up to settings.RETURN_APPROVAL_AMOUNT,
    together with the customer's other credits of the last RETURN_APPROVAL_WINDOW_DAYS that
    counted without anyone's approval (so splitting one large discount into small ones does
    not avoid the look); above that it waits for someone who may countersign it. Whoever
    records it, supervisors included: nobody approves their own."""
    return can_trade(user) and amount + recent_unapproved <= settings.RETURN_APPROVAL_AMOUNT


def can_manage_tasks_of(user: User, rep: User) -> bool:
    """A rep's to-do list: the rep, and whoever supervises him, add, complete and postpone
    its tasks (a supervisor may hand his rep a task). Seeing the list follows rep_scope_q."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.pk == rep.pk or can_supervise(user, rep))


def can_work_own_planned_stop(user: User, *, stop_rep_id: int, stop_date,
                              released_on=None) -> bool:
    """A customer on a rep's own plan for a day stays his to visit on that day, even when it
    has left his scope since (handed to another rep that day, or after): the plan he had in
    hand is his work, and a check-in made offline still arrives (issue 7 §1; visits/kpis.py).
    A stop released before its day (a later day's plan at the hand-over) is not.
    """
    return user.pk == stop_rep_id and (released_on is None or released_on >= stop_date)


# --- complaints (投诉, issue 9 item 2) -----------------------------------------------------
# A complaint follows its customer: whoever sees the customer sees its complaints (rep, his
# supervisor, the manager of the region, the custodian, the administrator). Customer service
# (the hotline, 客服) sees every customer's basic record and every complaint, since a caller
# may be anyone's customer; it sees no field data (rep_scope_q gives it nothing) and does not
# trade (not in TRADING_ROLES). The person a complaint is assigned to sees it too, even when
# the customer is someone else's (a colleague standing in).

def complaint_scope_q(user: User, *, via: str = "") -> Q | None:
    """Filter for complaints `user` may see; None means no restriction. `via` is the path
    from the queried model to the complaint ("complaint__" for its photos)."""
    condition = customer_scope_q(user, via=f"{via}customer__")
    if condition is None:
        return None
    if not user or not user.is_authenticated or not user.is_active:
        return condition
    return condition | Q(**{f"{via}assignee_id": user.pk})


def restrict_complaints(queryset: QuerySet, user: User, *, via: str = "") -> QuerySet:
    """Limit complaints (or their photos and log, `via="complaint__"`) to `user`'s scope."""
    condition = complaint_scope_q(user, via=via)
    return queryset if condition is None else queryset.filter(condition)


def complaint_assignees(user: User) -> QuerySet:
    """People `user` may hand a complaint to: customer service and administrators any rep or
    supervisor (and customer service colleagues); others the people in their own scope."""
    if not getattr(user, "is_authenticated", False):
        return User.objects.none()
    if user.role in {Role.CUSTOMER_SERVICE, Role.ADMIN} or user.is_superuser:
        return User.objects.filter(is_active=True, role__in=[
            Role.REP, Role.SUPERVISOR, Role.CUSTOMER_SERVICE])
    return users_in_scope(user)


def can_take_complaints(user: User) -> bool:
    """Log, handle and resolve complaints: everyone who works with customers; the archive
    custodian keeps the archive and does not."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role != Role.CUSTODIAN or user.is_superuser)


def can_manage_service_targets(user: User) -> bool:
    """Service targets are company policy: administrators."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role == Role.ADMIN or user.is_superuser)


def can_see_complaint_report(user: User) -> bool:
    """The complaints report: supervisors, managers, customer service and administrators."""
    return bool(getattr(user, "is_authenticated", False)) and (
        user.role in {Role.SUPERVISOR, Role.MANAGER, Role.CUSTOMER_SERVICE, Role.ADMIN}
        or user.is_superuser)
# --- customer care (issue 9) --------------------------------------------------------------

def can_manage_care_rules(user: User) -> bool:
    """Care rules (which customers get which greetings, how often) are company policy:
    managers and administrators set them; everyone may read them."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.is_superuser or user.role in {Role.MANAGER, Role.ADMIN})


# --- evaluation and classification (issue 8, items 5 and 6) --------------------------------
# Scoring models and the classification rules are company policy (administrators); everyone
# reads them. Evaluations and class proposals are scoped through their customer. A class change
# is the supervisor's call (brief §1: the supervisor "approves new customers and class
# changes"): a supervisor, manager or administrator with the customer in scope decides it.

def can_manage_scoring_models(user: User) -> bool:
    """Define scoring models, change the classification rules, start a company-wide run."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.ADMIN or user.is_superuser)


def can_enter_evaluation_values(user: User) -> bool:
    """Values entered by hand (management, technical service…): the people who know the
    customer — reps, supervisors, managers, administrators (not the custodian or the hotline)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.is_superuser or user.role in {Role.REP, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN})


def can_approve_class_change(user: User, customer) -> bool:
    """Approve or refuse a proposed class change of `customer`."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if not (user.is_superuser or user.role in {Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}):
        return False
    from outletcrm.customers.models import Customer

    return restrict(Customer.objects.filter(pk=customer.pk), user).exists()

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
from django.db.models import F, Lookup, Q, QuerySet, Subquery
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
    "customer__" for contacts, visits, orders…). Besides the role's own scope, a customer
    lent to the user (an approved borrowing request whose period holds now, 借阅制度) is
    readable; writes ask `customer_write_q`, which leaves borrowed customers out.
    """
    own = customer_write_q(user, via=via)
    if own is None:
        return None
    if not user or not user.is_authenticated or not user.is_active:
        return own
    return own | Q(InSubquery(F(f"{via}pk"), borrowed_customer_ids(user)))


class InSubquery(Lookup):
    """`column = ANY(ARRAY(subquery))` on PostgreSQL, `column IN (subquery)` elsewhere.

    OR-ing a plain `IN (subquery)` into the owner/team/region filter makes PostgreSQL filter
    every customer row through a hashed subplan (a sequential scan of the archive on every
    page); ARRAY(subquery) is evaluated once as an init plan, so both sides keep their index
    (a BitmapOr). Measured in bench/access_bench.py.

    A Lookup, not a Func: a Func in a filter is compared with `= 1` on SQLite (no native
    boolean), and `id IN (…) = 1` is no longer a term SQLite can answer from an index, so the
    OR lost its multi-index plan and a rep's list walked the whole name index (issue 11,
    bench/results/floor.md). A Lookup is written into WHERE as it is."""

    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        query, query_params = compiler.compile(self.rhs)
        query = query.strip()
        if not query.startswith("("):
            query = f"({query})"
        if connection.vendor == "postgresql":
            return f"{column} = ANY(ARRAY{query})", (*column_params, *query_params)
        return f"{column} IN {query}", (*column_params, *query_params)


def borrowed_customer_ids(user: User):
    """Ids of the customers lent to `user` right now, as a subquery (no query of its own).
    The period is compared with now(), so access ends by itself when the period ends."""
    return Subquery(_borrowed_items(user))


def borrowed_customer_id_list(user: User) -> list[int]:
    """The same ids, read now as a list (one small indexed query): for filters where an OR
    with a subquery would cost the other side its index (prospect_scope_q)."""
    return list(_borrowed_items(user).values_list("customer_id", flat=True))


def _borrowed_items(user: User):
    from django.utils import timezone

    from outletcrm.core.models import BorrowItem, BorrowRequest

    now = timezone.now()
    # No ORDER BY: BorrowItem's default ordering would sort a set the IN does not need sorted.
    return BorrowItem.objects.filter(
        request__requester_id=user.pk, request__status=BorrowRequest.Status.APPROVED,
        request__starts_at__lte=now, request__ends_at__gt=now).order_by().values("customer_id")


def only_borrowed(user: User, customer) -> bool:
    """Whether `user` reaches `customer` only through a borrowing grant holding now: outside
    the role's own scope and lent. A query only when the customer is outside the own scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if in_own_scope(user, customer):
        return False
    from outletcrm.core.models import BorrowItem

    return BorrowItem.objects.filter(customer_id=customer.pk,
                                     customer_id__in=borrowed_customer_ids(user)).exists()


def ensure_not_borrowed(user: User, customer) -> None:
    """Refuse a change that a user makes to a customer lent to them (read-only, 借阅制度).
    Field work (orders, visits, plans, tasks) asks this rather than `ensure_writable`: an
    offline upload of work done before a hand-over reaches a customer no longer in the rep's
    scope and is the field services' to judge; only the borrowed case is refused here."""
    if only_borrowed(user, customer):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        raise PermissionDenied(_("This customer is lent to you read-only; it cannot be "
                                 "changed."))


def customer_write_q(user: User, *, via: str = "") -> Q | None:
    """The customers `user` may change: the role's own scope, without borrowed ones (a
    borrowed customer is read-only); None means no restriction."""
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


def restrict_writable(queryset: QuerySet, user: User, *, via: str = "") -> QuerySet:
    """Limit `queryset` to what `user` may change (their own scope, nothing borrowed)."""
    condition = customer_write_q(user, via=via)
    return queryset if condition is None else queryset.filter(condition)


def in_own_scope(user: User, customer) -> bool:
    """Whether `customer` (already loaded) is in the user's own scope, decided without a
    query from its owner/team/region columns; False means it is seen only as borrowed."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.role in ALL_ROLES or user.is_superuser or user.role == Role.CUSTOMER_SERVICE:
        return True
    if user.role == Role.MANAGER and user.region_id:
        return customer.region_id in _managed_region_ids(user)
    if user.role == Role.SUPERVISOR and user.team_id:
        return customer.team_id == user.team_id
    if user.role == Role.REP:
        return customer.owner_id == user.pk
    return False


def ensure_writable(user: User, customer) -> None:
    """Refuse a change to a customer the user only borrowed (read-only, 借阅制度)."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    if user is None or not getattr(user, "is_authenticated", False):
        return  # the system itself (a job, an import run by a command)
    if not in_own_scope(user, customer):
        raise PermissionDenied(_("This customer is lent to you read-only; it cannot be "
                                 "changed."))


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


# --- archive governance (issue 10: custodianship 专人管理, the custodian's desk) ------------
# Each region may name an archive custodian (org.Region.custodian); a region without one is
# kept by the nearest custodian up the tree. A custodian's desk (suspected duplicates) and
# approval inbox cover the regions they keep; regions nobody keeps, and customers without a
# region, are kept by the custodians named for no region (a company that names nobody keeps
# today's single archive custodian who sees everything). Administrators see and decide
# everything. (Reading customer records is unchanged: custodians see the whole archive.)
#
# Who approves a held change to the archive (governance.GovernancePolicy.approver):
#   custodian  – the custodian who keeps the record's region (or an administrator);
#   supervisor – the supervisor of the record's team, a manager over its region (or an
#                administrator);
#   either     – any of those.
# Nobody approves their own request; a rep never approves.

def nearest_custodians() -> dict[int, int | None]:
    """{region id: id of the custodian who keeps it (nearest named up the tree) or None}."""
    rows = list(Region.objects.values_list("pk", "path", "custodian_id"))
    named = {pk: custodian for pk, _path, custodian in rows if custodian}
    result = {}
    for pk, path, _custodian in rows:
        chain = [int(p) for p in path.strip("/").split("/") if p.isdigit()]
        keeper = None
        for ancestor in reversed(chain):  # the region itself first, then up
            if ancestor in named:
                keeper = named[ancestor]
                break
        result[pk] = keeper
    return result


def is_archive_custodian(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.CUSTODIAN)


def is_archive_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.ADMIN or user.is_superuser)


def can_work_desk(user: User) -> bool:
    """The custodian's desk (duplicates queue, merges, not-a-duplicate): custodians and
    administrators; for anyone else the pages do not exist (404)."""
    return is_archive_custodian(user) or is_archive_admin(user)


def custodian_region_ids(user: User) -> list[int] | None:
    """Regions whose archive `user` keeps; None means every region (administrators).

    A custodian named for regions keeps those (and those below without a custodian of their
    own); a custodian named for none keeps the regions nobody keeps, and records without a
    region (`keeps_unassigned`)."""
    if is_archive_admin(user):
        return None
    if not is_archive_custodian(user):
        return []
    keepers = nearest_custodians()
    if user.pk in keepers.values():
        return [pk for pk, keeper in keepers.items() if keeper == user.pk]
    return [pk for pk, keeper in keepers.items() if keeper is None]


def keeps_unassigned(user: User) -> bool:
    """Records without a region are kept by administrators and by custodians named for no
    region."""
    if is_archive_admin(user):
        return True
    return is_archive_custodian(user) and not Region.objects.filter(custodian=user).exists()


def desk_scope_q(user: User, *, sides: tuple[str, ...] = ("customer_a__", "customer_b__")
                 ) -> Q | None:
    """Filter for desk items (duplicate pairs) `user` may work: an item is theirs when any
    of its customers lies in a region they keep (or has no region). None: no restriction."""
    if not can_work_desk(user):
        return Q(pk__in=[])
    ids = custodian_region_ids(user)
    if ids is None:
        return None
    unassigned = keeps_unassigned(user)
    condition = Q(pk__in=[])
    for side in sides:
        condition |= Q(**{f"{side}region_id__in": ids})
        if unassigned:
            condition |= Q(**{f"{side}region__isnull": True})
    return condition


def can_approve_archive_change(user: User, *, region_id: int | None, team_id: int | None,
                               requester_id: int | None, approver: str) -> bool:
    """May `user` approve or refuse a held change to a record of `region_id`/`team_id`
    (rules above)? Also answers whether `user` needs nobody's approval for such a change."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if requester_id is not None and user.pk == requester_id:
        return False
    if is_archive_admin(user):
        return True
    if approver in ("custodian", "either") and is_archive_custodian(user):
        if region_id in (custodian_region_ids(user) or []) or (
                region_id is None and keeps_unassigned(user)):
            return True
    if approver in ("supervisor", "either"):
        if user.role == Role.SUPERVISOR and user.team_id and user.team_id == team_id:
            return True
        if user.role == Role.MANAGER and user.region_id and region_id in _managed_region_ids(user):
            return True
    return False


def archive_approvals_q(user: User, *, approver: str) -> Q:
    """Filter for held changes (with `region_id`, `team_id`, `requested_by_id`) that `user`
    may decide; the list form of can_approve_archive_change."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    mine = ~Q(requested_by_id=user.pk)
    if is_archive_admin(user):
        return mine
    condition = Q(pk__in=[])
    if approver in ("custodian", "either") and is_archive_custodian(user):
        condition |= Q(region_id__in=custodian_region_ids(user) or [])
        if keeps_unassigned(user):
            condition |= Q(region__isnull=True)
    if approver in ("supervisor", "either"):
        if user.role == Role.SUPERVISOR and user.team_id:
            condition |= Q(team_id=user.team_id)
        if user.role == Role.MANAGER and user.region_id:
            condition |= Q(region_id__in=_managed_region_ids(user))
    return condition & mine


def can_edit_archive_policy(user: User) -> bool:
    """The archive policy (approvals, archiving rules) is company policy: administrators."""
    return is_archive_admin(user)


def can_delete_customer(user: User) -> bool:
    """Deleting a customer record is only for administrators, and only for a record created
    in error (governance.services.customer_delete_in_error checks that)."""
    return is_archive_admin(user)
# --- archive governance: query, borrowing and issuance rules (issue 10 items 2–4) ---------
# The access report and anomalies are the custodian's (for the regions they keep, when they
# have one; the whole company otherwise) and the administrator's. A borrowing request is
# decided by an administrator or a custodian whose region covers every customer asked for;
# never by the requester. An export above settings.EXPORT_APPROVAL_ROWS waits for the same
# people; custodians and administrators export without asking.

def is_archive_keeper(user: User) -> bool:
    """Custodians and administrators: the access report, the inboxes, the export list."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role in ALL_ROLES or user.is_superuser)


def kept_region_ids(user: User) -> list[int] | None:
    """The regions whose archive `user` keeps: None for all (an administrator, or a custodian
    with no region named), [] for nobody else."""
    if not is_archive_keeper(user):
        return []
    if user.role == Role.ADMIN or user.is_superuser or not user.region_id:
        return None
    return _managed_region_ids(user)


def access_report_users(user: User) -> QuerySet:
    """The people whose looks at the archive `user` may review."""
    regions = kept_region_ids(user)
    people = User.objects.all()
    if regions is None:
        return people
    return people.filter(Q(team__region_id__in=regions) | Q(region_id__in=regions))


def can_decide_borrowing(user: User, borrow) -> bool:
    """Approve or refuse a borrowing request (the request's customers' regions decide)."""
    if not is_archive_keeper(user) or user.pk == borrow.requester_id:
        return False
    regions = kept_region_ids(user)
    if regions is None:
        return True
    wanted = {item.region_id for item in borrow.items.all()}
    return bool(wanted) and wanted <= set(regions)


def can_decide_export(user: User, export) -> bool:
    """Approve or refuse an export that waits: a keeper of the requester's region."""
    if not is_archive_keeper(user) or user.pk == export.requester_id:
        return False
    return access_report_users(user).filter(pk=export.requester_id).exists()


def export_needs_approval(user: User, row_count: int) -> bool:
    """Exports above settings.EXPORT_APPROVAL_ROWS wait for a keeper, except a keeper's own."""
    return row_count > settings.EXPORT_APPROVAL_ROWS and not is_archive_keeper(user)


def keepers_of_region(region_id: int | None) -> list[User]:
    """The custodians who keep `region_id`'s archive (a custodian with no region keeps all);
    the administrators when no custodian does. They are told of requests waiting for them."""
    custodians = list(User.objects.filter(is_active=True, role=Role.CUSTODIAN))
    path = Region.objects.filter(pk=region_id).values_list("path", flat=True).first() or ""
    paths = dict(Region.objects.filter(pk__in={c.region_id for c in custodians if c.region_id})
                 .values_list("pk", "path"))
    keepers = [c for c in custodians
               if not c.region_id or (path and path.startswith(paths.get(c.region_id, "~")))]
    return keepers or list(User.objects.filter(is_active=True, role=Role.ADMIN))


def home_region_id(user: User) -> int | None:
    """The region a person works in: their team's, or the one they manage."""
    if user.team_id:
        return user.team.region_id
    return user.region_id
# --- personal data of contacts (issue 10 item 5; brief §7, privacy) ----------------------
# A contact's mobile, birthday, interests and family events are shown in full to those who
# work with that person: the owner rep, the supervisor of the customer's team, and the
# administrator. Managers, customer service and the archive custodian see the customer but
# need no such detail day to day: they see it masked and may unmask one field at a time, each
# time logged (customers/privacy.py). settings.PRIVACY_FULL_ROLES lets a company show it in
# full to more roles (e.g. ["manager"]). Anyone else sees it masked and cannot unmask.

PERSONAL_FULL = "full"
PERSONAL_ON_REQUEST = "on_request"
PERSONAL_MASKED = "masked"


def personal_data_access(user: User, customer) -> str:
    """How `user` sees the personal data of `customer`'s contacts: full, on request, masked.
    The caller has checked that the customer is in the user's scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return PERSONAL_MASKED
    if user.role == Role.ADMIN or user.is_superuser:
        return PERSONAL_FULL
    if user.role in set(getattr(settings, "PRIVACY_FULL_ROLES", ()) or ()):
        return PERSONAL_FULL
    if user.role == Role.REP:
        return PERSONAL_FULL if customer.owner_id == user.pk else PERSONAL_MASKED
    if user.role == Role.SUPERVISOR:
        return (PERSONAL_FULL if user.team_id and customer.team_id == user.team_id
                else PERSONAL_MASKED)
    if user.role in {Role.MANAGER, Role.CUSTOMER_SERVICE, Role.CUSTODIAN}:
        return PERSONAL_ON_REQUEST
    return PERSONAL_MASKED


def can_edit_personal_data(user: User, customer) -> bool:
    """Changing a contact's mobile, birthday or interests needs seeing them in full (a masked
    form would otherwise overwrite them with the mask)."""
    return personal_data_access(user, customer) == PERSONAL_FULL


def can_export_unmasked(user: User) -> bool:
    """Exports carry personal data in full only for administrators and the roles configured
    to see it in full; everyone else's workbook has it masked (rows of many customers, no
    per-row look, brief §7 issuance)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (user.role == Role.ADMIN or user.is_superuser
            or user.role in set(getattr(settings, "PRIVACY_FULL_ROLES", ()) or ()))


# --- handover (issue 10 item 6) ------------------------------------------------------------

def can_hand_over(user: User, from_rep: User, to_reps=()) -> bool:
    """Hand one rep's customers to others: a supervisor of both reps' teams, a manager above
    both, an administrator. Never to or from oneself."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.role not in {Role.SUPERVISOR, Role.MANAGER, Role.ADMIN} and not user.is_superuser:
        return False
    people = [from_rep, *to_reps]
    if any(p.pk == user.pk for p in people):
        return False
    allowed = set(restrict_to_reps(
        User.objects.filter(pk__in=[p.pk for p in people]), user, via="").values_list(
            "pk", flat=True))
    return all(p.pk in allowed for p in people)
# --- customer development: sweep campaigns, survey records, reports (issue 8) -------------
# A campaign belongs to its team: the reps sent on it see it (and only their own outlets and
# forms in it), the team's supervisor sees all of it, a manager his region's campaigns, the
# administrator all. Marketing work (opening campaigns, editing survey forms) is done by
# supervisors, managers and administrators; the archive custodian and customer service do no
# field work and see none of it. Reports follow their author like field records: the rep his
# own, the supervisor his team's (and his own team summary), the manager his region's.

def campaign_scope_q(user: User) -> Q | None:
    """Filter for sweep campaigns `user` may see; None means no restriction."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.role == Role.ADMIN or user.is_superuser:
        return None
    if user.role == Role.MANAGER and user.region_id:
        return Q(team__region_id__in=_managed_region_ids(user))
    if user.role == Role.SUPERVISOR and user.team_id:
        return Q(team_id=user.team_id) | Q(members=user)
    if user.role == Role.REP:
        return Q(members=user)
    return Q(pk__in=[])


def restrict_campaigns(queryset: QuerySet, user: User) -> QuerySet:
    """Limit sweep campaigns to what `user` may see (no duplicate rows from the members join)."""
    condition = campaign_scope_q(user)
    if condition is None:
        return queryset
    return queryset.filter(pk__in=queryset.model.objects.filter(condition).values("pk"))


def can_open_campaign(user: User) -> bool:
    """Opening a sweep and editing survey forms: supervisors, managers, administrators."""
    return is_field_supervisor(user) and user.is_active


def can_manage_campaign(user: User, campaign) -> bool:
    """Change a campaign: whoever may open one and has its team in scope."""
    if not can_open_campaign(user):
        return False
    condition = campaign_scope_q(user)
    if condition is None:
        return True
    if user.role == Role.SUPERVISOR:
        return campaign.team_id == user.team_id
    return campaign._meta.model.objects.filter(condition, pk=campaign.pk).exists()


def restrict_sweep_records(queryset: QuerySet, user: User, *, via: str = "rep__") -> QuerySet:
    """Outlets met, contacts and answers of a sweep follow the rep who recorded them."""
    return restrict_to_reps(queryset, user, via=via)


def restrict_reports(queryset: QuerySet, user: User) -> QuerySet:
    """Daily and weekly reports follow their author (rep_scope_q)."""
    return restrict_to_reps(queryset, user, via="author__")


def can_edit_report(user: User, report) -> bool:
    """Only the author completes his report (the figures are drafted from the records)."""
    return bool(getattr(user, "is_authenticated", False)) and user.pk == report.author_id


def can_review_report(user: User, report) -> bool:
    """Reading a report as its reviewer and commenting: whoever supervises the author."""
    return bool(getattr(user, "is_authenticated", False)) and can_supervise(user, report.author)
# --- prospect pipeline (issue 8, items 3 and 4) -----------------------------------------------
# A prospect is seen like a customer, by its developing rep (the customer's owner, unless a
# handover moved the prospect: pipeline.services.reassign_prospects), his supervisor's team,
# the manager's region, the administrator, and the archive custodian (read only: he keeps the
# archive and does not develop customers). Customer service sees no development work.

def prospect_scope_q(user: User, *, via: str = "",
                     customer: str | None = None) -> Q | None:
    """Filter for prospects (or their stage stays, or `via="prospect__"` their records) `user`
    may see. Prospects and stays carry their developing rep's owner/team/region columns (kept
    like Customer's), so the customer rules apply to them directly, without a join.

    A customer lent to the user (借阅, read only) shows its development too: `customer` is the
    path to the customer id (default `<via>customer_id`; stays pass "prospect__customer_id").
    The lent ids are read first as a list and OR-ed in only when there are some: an OR with a
    subquery makes SQLite give up the owner/team/region index (bench/pipeline_bench.py)."""
    if getattr(user, "is_authenticated", False) and user.role == Role.CUSTOMER_SERVICE:
        return Q(pk__in=[])
    own = customer_write_q(user, via=via)
    if own is None or not user.is_authenticated or not user.is_active:
        return own
    lent = borrowed_customer_id_list(user)
    if not lent:
        return own
    return own | Q(**{f"{customer or f'{via}customer_id'}__in": lent})


def can_see_prospects(user: User) -> bool:
    """Whether `user` sees development work at all (customer service does not)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role != Role.CUSTOMER_SERVICE)


def restrict_prospects(queryset: QuerySet, user: User, *, via: str = "",
                       customer: str | None = None) -> QuerySet:
    """Limit prospects (or output records and stage history) to `user`'s scope."""
    condition = prospect_scope_q(user, via=via, customer=customer)
    return queryset if condition is None else queryset.filter(condition)


def can_work_prospects(user: User) -> bool:
    """Move prospects, record outputs, close them: reps, supervisors, managers, admins."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role in {Role.REP, Role.SUPERVISOR, Role.MANAGER, Role.ADMIN} or user.is_superuser)


def can_manage_pipeline_stages(user: User) -> bool:
    """The stage list (names, order, outputs) is company policy: administrators."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.ADMIN or user.is_superuser)


# --- evaluation and classification (issue 8, items 5 and 6) --------------------------------
# Scoring models and the classification rules are company policy (administrators); everyone
# reads them. Evaluations and class proposals are scoped through their customer. A class change
# is the supervisor's call (brief §1: the supervisor "approves new customers and class
# changes"): a supervisor, manager or administrator with the customer in scope decides it.

def can_manage_scoring_models(user: User) -> bool:
    """Define scoring models, change the classification rules, start a company-wide run."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and (
        user.role == Role.ADMIN or user.is_superuser)


def can_see_evaluation_runs(user: User) -> bool:
    """The run log (when classification ran, who started it, and how many customers it scored,
    proposed and applied company-wide) is the administrators', who start runs. Everyone else
    sees the scores and proposals of their own customers, not the company's counts."""
    return can_manage_scoring_models(user)


def restrict_evaluation_runs(queryset: QuerySet, user: User) -> QuerySet:
    return queryset if can_see_evaluation_runs(user) else queryset.none()


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

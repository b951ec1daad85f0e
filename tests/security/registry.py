"""Every page and every API operation, classified for the security suite (one registry).

The suite walks the URL configuration (django.urls.get_resolver, recursively) and the OpenAPI
schema (/api/schema/), and fails for any page or operation missing here (test_registry.py),
after NetBox's generated ViewTestCases. To register a new view, add ONE line:

  Public("why")                       reachable without signing in (login, health, assets)
  LoggedIn("what it shows")           any signed-in user, and it shows only their own data
                                      (an anonymous visit is sent to the login page / 401)
  Restricted("who", ...)              only some roles (administrator, custodian…): the rep
                                      and the supervisor of a sibling office are refused
  Scoped(target, ...)                 addresses one record: `target(world)` gives the path
                                      kwargs (and `query`/`form` the parameters) naming a
                                      record of ANOTHER scope, built in tests/security/world.py;
                                      the rep and the sibling supervisor must be refused
                                      (403/404/405, or sent to the login page), never shown it,
                                      and nothing may change

Pages are keyed by their URL name ("customers:detail"), API operations by "METHOD /path" as
the schema writes them. A record type the world does not have yet: add it to build_world().
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Public:
    why: str


@dataclass(frozen=True)
class LoggedIn:
    what: str


@dataclass(frozen=True)
class Restricted:
    who: str
    target: Callable | None = None  # path kwargs, when the route has any
    form: Callable | None = None


@dataclass(frozen=True)
class Scoped:
    target: Callable  # world -> path kwargs
    query: Callable | None = None  # world -> query string
    form: Callable | None = None  # world -> POST data (or API body)
    methods: tuple = ("get", "post")
    # "message": the page refuses with a message on a page of the caller's own data (200, or
    # a redirect to it) instead of 403/404; still nothing of the record may show or change.
    refusal: str = "status"
    multipart: bool = False  # the API operation takes a file upload
    # Extra methods for API operations are taken from the schema; `methods` is for pages.
    notes: str = field(default="")


def _none(w):
    return {}


def _customer(w):
    return {"pk": w.customer.pk}


def _customer_pk(w):
    return {"customer_pk": w.customer.pk}


def _rep(w):
    return {"rep": w.charlie.pk}


def _customer_form(w):
    return {"name": "改名药房", "outlet_type": w.customer.outlet_type_id, "city": "宁波市",
            "address": "中山西路1号", "notes": "hacked", "version": w.customer.version}


# --- pages -----------------------------------------------------------------------------------

PAGES: dict[str, object] = {
    "": Public("redirects to the customer list"),
    "login": Public("the sign-in page"),
    "logout": Public("signs out whoever is signed in"),
    "set_language": Public("Django's language switch (a cookie)"),
    "api-schema": Public("the OpenAPI schema (no data)"),
    "api-docs": Public("Swagger UI (no data)"),
    "mobile:service_worker": Public("the phone app's service worker script"),
    "mobile:manifest": Public("the phone app's manifest"),
    "mobile:icon": Public("the phone app's icon"),
    "map-base": LoggedIn("the base map layer (no customer data)"),
    # administration
    "calendar": Restricted("administrator"),
    "calendar_edit": Restricted("administrator", form=lambda w: {"year": 2030}),
    "calendar_confirm": Restricted("administrator", form=lambda w: {"year": 2030}),
    "jobs": Restricted("administrator"),
    "job_run": Restricted("administrator", target=lambda w: {"name": "churn_scan"}),
    "accounts:sessions_all": Restricted("administrator"),
    "accounts:two_factor_reset": Restricted("administrator",
                                            target=lambda w: {"user_id": w.charlie.pk}),
    "customers:audit": Restricted("custodian, administrator"),
    "care:rule_create": Restricted("care rule managers",
                                   form=lambda w: {"name": "x", "kind": "birthday"}),
    "care:rule_edit": Restricted("care rule managers", target=lambda w: {"pk": w.care_rule.pk},
                                 form=lambda w: {"name": "hacked"}),
    "care:rule_toggle": Restricted("care rule managers",
                                   target=lambda w: {"pk": w.care_rule.pk}),
    # the signed-in user's own things
    "accounts:security": LoggedIn("own security settings, sessions and token"),
    "accounts:password_change": LoggedIn("own password"),
    "accounts:two_factor": LoggedIn("own second factor"),
    "accounts:two_factor_verify": LoggedIn("own second factor"),
    "accounts:session_end": Scoped(lambda w: {"pk": w.session.pk}),
    "accounts:token_revoke": Scoped(lambda w: {"user_id": w.charlie.pk}),
    # customers
    "customers:list": LoggedIn("customers in scope"),
    "customers:create": LoggedIn("a new customer, owned by someone in scope"),
    "customers:lookup": LoggedIn("customers in scope (chooser)"),
    "customers:import": LoggedIn("imports into own scope"),
    "customers:import-template": LoggedIn("an empty workbook"),
    "customers:import-job": Scoped(lambda w: {"pk": w.import_job.pk}),
    "customers:import-job-status": Scoped(lambda w: {"pk": w.import_job.pk}),
    "customers:import-rejected": Scoped(lambda w: {"token": "a" * 32},
                                        notes="another import's rejected rows"),
    "customers:export": LoggedIn("customers in scope"),
    "customers:detail": Scoped(_customer),
    "customers:edit": Scoped(_customer, form=_customer_form),
    "customers:archive": Scoped(_customer, form=lambda w: {"reason": "停业"}),
    "customers:restore": Scoped(_customer),
    "customers:merge": Scoped(_customer, form=lambda w: {"target": w.alice_customer.pk}),
    "customers:contact_create": Scoped(_customer, form=lambda w: {"name": "黑客",
                                                                  "mobile": "13911112222"}),
    "customers:contact_edit": Scoped(lambda w: {"pk": w.customer.pk,
                                                "contact_pk": w.contact.pk},
                                     form=lambda w: {"name": "黑客", "version": 1}),
    "customers:contact_delete": Scoped(lambda w: {"pk": w.customer.pk,
                                                  "contact_pk": w.contact.pk}),
    "customers:competitor_create": Scoped(_customer, form=lambda w: {"brand": "黑牌"}),
    "customers:competitor_edit": Scoped(lambda w: {"pk": w.customer.pk,
                                                   "entry_pk": w.competitor.pk},
                                        form=lambda w: {"brand": "黑牌", "version": 1}),
    "customers:competitor_delete": Scoped(lambda w: {"pk": w.customer.pk,
                                                     "entry_pk": w.competitor.pk}),
    # visits: routes, plans, visits, tasks
    "visits:routes": Scoped(_none, query=_rep),
    "visits:route_create": Scoped(_none, query=_rep,
                                  form=lambda w: {"name": "x", "weekday": 0, "cycle_weeks": 1,
                                                  "week_of_cycle": 1}),
    "visits:route_detail": Scoped(lambda w: {"pk": w.route.pk},
                                  form=lambda w: {"name": "hacked", "weekday": 1,
                                                  "cycle_weeks": 1, "week_of_cycle": 1}),
    "visits:route_stops": Scoped(lambda w: {"pk": w.route.pk},
                                 form=lambda w: {"customer": [w.customer.pk]}),
    "visits:route_delete": Scoped(lambda w: {"pk": w.route.pk}),
    "visits:plan": Scoped(_none, query=_rep),
    "visits:plan_add": Scoped(_none, query=_rep, form=lambda w: {"customer": w.customer.pk}),
    "visits:plan_reorder": Scoped(lambda w: {"pk": w.plan.pk},
                                  form=lambda w: {"stop": [w.stop.pk]}),
    "visits:plan_drop": Scoped(lambda w: {"pk": w.stop.pk}, form=lambda w: {"reason": "x"}),
    "visits:plans_generate": LoggedIn("generates the caller's own reps' plans"),
    "visits:day": Scoped(_none, query=lambda w: {"team": w.team_nb.pk}),
    "visits:visit_detail": Scoped(lambda w: {"pk": w.visit.pk}),
    "visits:visit_reject": Scoped(lambda w: {"pk": w.visit.pk}, form=lambda w: {"reason": "x"}),
    "visits:visit_accept": Scoped(lambda w: {"pk": w.visit.pk}),
    "visits:photo": Scoped(lambda w: {"client_id": w.photo.client_id}),
    "visits:kpis": Scoped(_none, query=_rep),
    "visits:tasks": Scoped(_none, query=_rep, refusal="message"),
    "visits:task_add": Scoped(_none, refusal="message", form=lambda w: {"rep": w.charlie.pk, "title": "x",
                                                     "customer": w.customer.pk}),
    "visits:task_complete": Scoped(lambda w: {"pk": w.task.pk}),
    "visits:task_postpone": Scoped(lambda w: {"pk": w.task.pk},
                                   form=lambda w: {"days": 1, "reason": "x"}),
    # the phone
    "mobile:today": LoggedIn("own day"),
    "mobile:visit_shell": LoggedIn("the visit page's shell (filled from the phone)"),
    "mobile:visit": Scoped(lambda w: {"client_id": w.visit.client_id}),
    "mobile:customers": LoggedIn("customers in scope"),
    "mobile:tasks": LoggedIn("own tasks"),
    "mobile:sync": LoggedIn("own sync queue"),
    "mobile:positions": LoggedIn("own positions"),
    # complaints
    "complaints:list": LoggedIn("complaints in scope"),
    "complaints:pick_customer": LoggedIn("customers in scope"),
    "complaints:create": Scoped(_customer_pk, form=lambda w: {"channel": "phone",
                                                              "category": "product",
                                                              "severity": "low",
                                                              "description": "x"}),
    "complaints:report": LoggedIn("complaints in scope"),
    "complaints:photo": Scoped(lambda w: {"client_id": w.complaint_photo.client_id}),
    "complaints:detail": Scoped(lambda w: {"pk": w.complaint.pk}),
    "complaints:action": Scoped(lambda w: {"pk": w.complaint.pk, "action": "note"},
                                form=lambda w: {"text": "hacked"}),
    "mobile-complaints:list": LoggedIn("complaints in scope"),
    "mobile-complaints:detail": Scoped(lambda w: {"pk": w.complaint.pk}),
    # orders
    "orders:list": LoggedIn("orders in scope"),
    "orders:pick_customer": LoggedIn("customers in scope"),
    "orders:create": Scoped(_customer_pk, form=lambda w: {"product": w.product.pk,
                                                          "quantity": 1}),
    "orders:detail": Scoped(lambda w: {"pk": w.order.pk}),
    "orders:cancel": Scoped(lambda w: {"pk": w.order.pk}, form=lambda w: {"reason": "x"}),
    "orders:confirm": Scoped(lambda w: {"pk": w.order.pk}),
    "orders:deliver": Scoped(lambda w: {"pk": w.order.pk}),
    "orders:payment_create": Scoped(lambda w: {"pk": w.order.pk},
                                    form=lambda w: {"amount": "1", "method": "cash"}),
    "orders:order_return_create": Scoped(lambda w: {"pk": w.order.pk},
                                         form=lambda w: {"kind": "return", "amount": "1",
                                                         "reason": "x"}),
    "orders:return_create": Scoped(_customer_pk, form=lambda w: {"kind": "claim",
                                                                 "amount": "1",
                                                                 "reason": "x"}),
    "orders:return_detail": Scoped(lambda w: {"pk": w.pending_claim.pk},
                                   form=lambda w: {"decision": "approve"}),
    "orders:approvals": LoggedIn("credits waiting for the caller's approval"),
    "orders:products": LoggedIn("the product catalogue (company-wide)"),
    # churn
    "churn:list": LoggedIn("flags in scope"),
    "churn:handle": Scoped(lambda w: {"pk": w.churn_flag.pk},
                           form=lambda w: {"action": "dismiss", "note": "x"}),
    "churn:rules": LoggedIn("the churn rules (company-wide, read-only)"),
    # optimise
    "optimise:day": Scoped(_none, query=_rep, form=_rep),
    "optimise:day_proposal": Scoped(lambda w: {"pk": w.day_job.pk}),
    "optimise:day_apply": Scoped(lambda w: {"pk": w.day_job.pk}),
    "optimise:rep_base": Scoped(_none, form=lambda w: {"rep": w.charlie.pk,
                                                       "day_start": "08:00",
                                                       "day_end": "18:00"}),
    "optimise:job_status": Scoped(lambda w: {"pk": w.design_job.pk}),
    "optimise:design": Scoped(_none, query=_rep, form=lambda w: {"rep": w.charlie.pk,
                                                                 "cycle_weeks": 1}),
    "optimise:design_job": Scoped(lambda w: {"pk": w.design_job.pk}),
    "optimise:design_edit": Scoped(lambda w: {"pk": w.design_job.pk}),
    "optimise:design_adopt": Scoped(lambda w: {"pk": w.design_job.pk}),
    "optimise:territory": Scoped(_none, query=lambda w: {"team": w.team_nb.pk},
                                 form=lambda w: {"team": w.team_nb.pk, "cycle_weeks": 1}),
    "optimise:territory_job": Scoped(lambda w: {"pk": w.territory_job.pk}),
    "optimise:territory_apply": Scoped(lambda w: {"pk": w.territory_job.pk}),
    # notifications
    "notifications:list": LoggedIn("own notifications"),
    "notifications:bell": LoggedIn("own notifications"),
    "notifications:settings": LoggedIn("own preferences"),
    "notifications:read_all": LoggedIn("own notifications"),
    "notifications:open": Scoped(lambda w: {"pk": w.notification.pk}),
    "notifications:read": Scoped(lambda w: {"pk": w.notification.pk}),
    # care
    "care:rules": LoggedIn("the care rules (company-wide)"),
    "care:family_event_create": Scoped(_customer, form=lambda w: {"contact": w.contact.pk,
                                                                  "kind": "birthday",
                                                                  "date": "2030-01-01"}),
    "care:family_event_delete": Scoped(lambda w: {"pk": w.customer.pk,
                                                  "event_pk": w.family_event.pk}),
    "care:gift_create": Scoped(_customer, form=lambda w: {"date": "2030-01-01",
                                                          "description": "x", "value": "1"}),
    "care:gift_delete": Scoped(lambda w: {"pk": w.customer.pk, "gift_pk": w.gift.pk}),
    "care:busy_hours": Scoped(_customer, form=lambda w: {"busy_hours": "x"}),
    # customer development: street sweeps and reports (docs/development.md)
    "development:campaigns": LoggedIn("sweep campaigns in scope"),
    "development:campaign-new": LoggedIn("a campaign of the caller's own team (supervisors up)"),
    "development:campaign": Scoped(lambda w: {"pk": w.campaign.pk}),
    "development:campaign-edit": Scoped(lambda w: {"pk": w.campaign.pk},
                                        form=lambda w: {"name": "hacked"}),
    "development:campaign-export": Scoped(lambda w: {"pk": w.campaign.pk}),
    "development:outlet": Scoped(lambda w: {"client_id": w.sweep_outlet.client_id},
                                 form=lambda w: {"action": "file"}),
    "development:outlet-photo": Scoped(lambda w: {"client_id": w.sweep_outlet.client_id}),
    "development:answer-photo": Scoped(
        lambda w: {"client_id": w.survey_answer.photo_client_id}),
    "development:templates": LoggedIn("the company's survey forms (supervisors up)"),
    "development:template-new": LoggedIn("a new survey form (supervisors up)"),
    "development:template-edit": LoggedIn("the company's survey forms (supervisors up)"),
    "development:reports": LoggedIn("reports in scope"),
    "development:report-open": LoggedIn("the caller's own report"),
    "development:report": Scoped(lambda w: {"pk": w.report.pk},
                                 form=lambda w: {"action": "comment", "text": "hacked"}),
    "development:report-export": Scoped(lambda w: {"pk": w.report.pk}),
    "mobile-sweeps:list": LoggedIn("the caller's running campaigns"),
    "mobile-sweeps:sweep": Scoped(lambda w: {"pk": w.campaign.pk}),
    "mobile-sweeps:snapshot": Scoped(lambda w: {"pk": w.campaign.pk}),
    # archive governance: the custodian's desk, held changes, archive (docs/governance.md)
    "customers:contact_reveal": Scoped(lambda w: {"pk": w.customer.pk,
                                                  "contact_pk": w.contact.pk,
                                                  "field": "mobile"}),
    "governance:desk": Restricted("custodians, administrators"),
    "governance:pair": Scoped(lambda w: {"pk": w.pair.pk},
                              form=lambda w: {"survivor": "a"}),
    "governance:dismiss": Scoped(lambda w: {"pk": w.pair.pk}, form=lambda w: {"note": "x"}),
    "governance:inbox": LoggedIn("held changes the caller may decide, and their own"),
    "governance:approve": Scoped(lambda w: {"pk": w.pending_change.pk}),
    "governance:refuse": Scoped(lambda w: {"pk": w.pending_change.pk},
                                form=lambda w: {"reason": "x"}),
    "governance:policy": LoggedIn("the archive policy (read-only but for administrators)"),
    "governance:archive": Restricted("custodians, administrators"),
    "governance:delete": Restricted("administrators", target=_customer,
                                    form=lambda w: {"reason": "x"}),
    # access: borrowing, the access report, exports, the printed card
    "access:borrow": LoggedIn("a borrowing request of the caller's own"),
    "access:my_borrowing": LoggedIn("own borrowing requests"),
    "access:borrow_inbox": Restricted("custodians, administrators"),
    "access:borrow_decide": Scoped(lambda w: {"pk": w.borrow.pk},
                                   form=lambda w: {"decision": "approve"}),
    "access:borrow_withdraw": Scoped(lambda w: {"pk": w.borrow.pk}),
    "access:report": Restricted("custodians, administrators"),
    "access:exports": Restricted("custodians, administrators"),
    "access:my_exports": LoggedIn("own exports"),
    "access:export_decide": Scoped(lambda w: {"pk": w.export.pk},
                                   form=lambda w: {"decision": "approve"}),
    "access:export_download": Scoped(lambda w: {"pk": w.export.pk}),
    "access:print_card": Scoped(_customer),
    # handover
    "handover:list": LoggedIn("handovers of the caller's reps (supervisors up)"),
    "handover:new": LoggedIn("a handover of the caller's own reps (supervisors up)"),
    "handover:detail": Scoped(lambda w: {"pk": w.handover.pk}),
    # pipeline
    "pipeline:board": LoggedIn("prospects in scope"),
    "pipeline:funnel": LoggedIn("prospects in scope"),
    "pipeline:cards": LoggedIn("the next cards of a board column, prospects in scope"),
    "pipeline:open": Scoped(lambda w: {"customer_pk": w.prospect_customer.pk}),
    "pipeline:output_file": Scoped(lambda w: {"pk": w.output.pk}),
    "pipeline:prospect": Scoped(lambda w: {"pk": w.prospect.pk}),
    "pipeline:move": Scoped(lambda w: {"pk": w.prospect.pk},
                            form=lambda w: {"stage": w.prospect.stage_id}),
    "pipeline:output_add": Scoped(lambda w: {"pk": w.prospect.pk},
                                  form=lambda w: {"text": "hacked"}),
    "pipeline:lost": Scoped(lambda w: {"pk": w.prospect.pk},
                            form=lambda w: {"reason": "price", "note": "x"}),
    "pipeline:won": Scoped(lambda w: {"pk": w.prospect.pk}),
    "pipeline:next_action": Scoped(lambda w: {"pk": w.prospect.pk},
                                   form=lambda w: {"next_action": "hacked"}),
    # evaluation and classification
    "evaluation:overview": LoggedIn("evaluations in scope (the run log for administrators)"),
    "evaluation:run": Restricted("administrators"),
    "evaluation:customer": Scoped(_customer),
    "evaluation:manual_value": Scoped(_customer, form=lambda w: {"key": "shelf_metres",
                                                                 "value": "9"}),
    "evaluation:rescore": Scoped(_customer),
    "evaluation:proposals": LoggedIn("class proposals in scope"),
    "evaluation:approve": Scoped(lambda w: {"pk": w.proposal.pk}),
    "evaluation:refuse": Scoped(lambda w: {"pk": w.proposal.pk}, form=lambda w: {"note": "x"}),
    "evaluation:pareto": LoggedIn("customers in scope"),
    "evaluation:rfv": LoggedIn("customers in scope"),
    "evaluation:models": LoggedIn("the scoring models (company-wide, read-only)"),
    "evaluation:model_new": Restricted("administrators", form=lambda w: {"name": "x"}),
    "evaluation:model": LoggedIn("a scoring model (company-wide, read-only)"),
    "evaluation:model_edit": Restricted("administrators",
                                        target=lambda w: {"pk": w.scoring_model.pk},
                                        form=lambda w: {"name": "hacked"}),
    "evaluation:rules": LoggedIn("the classification rules (read-only but for administrators)"),
}

# Whole namespaces classified at once (a third-party app with its own access rules).
NAMESPACES = {
    "admin": Restricted("staff (Django's admin site checks is_staff itself)"),
}


# --- API operations --------------------------------------------------------------------------

def _c(w):
    return {"id": w.customer.pk}


def _cp(w):
    return {"customer_pk": w.customer.pk}


def _visit(w):
    return {"client_id": w.visit.client_id}


def _task_uuid(w):
    return {"client_id": w.task.client_id}


def _task_id(w):
    return {"id": w.task.pk}


def _complaint(w):
    return {"id": w.complaint.pk}


API: dict[str, object] = {
    "POST /api/v1/auth/token/": Public("issues a token for a username and password"),
    "POST /api/v1/auth/logout/": LoggedIn("revokes the caller's own token"),
    "DELETE /api/v1/auth/logout/": LoggedIn("revokes the caller's own token"),
    "GET /api/v1/me/": LoggedIn("the caller"),
    # customers
    "GET /api/v1/customers/": LoggedIn("customers in scope"),
    "POST /api/v1/customers/": LoggedIn("a new customer in scope (mass assignment tested)"),
    "GET /api/v1/customers/export/": LoggedIn("customers in scope"),
    "POST /api/v1/customers/import/": LoggedIn("imports into own scope"),
    "GET /api/v1/customers/import-template/": LoggedIn("an empty workbook"),
    "GET /api/v1/customers/{id}/": Scoped(_c),
    "PUT /api/v1/customers/{id}/": Scoped(_c, form=lambda w: {"name": "改名",
                                                              "outlet_type":
                                                                  w.customer.outlet_type_id}),
    "PATCH /api/v1/customers/{id}/": Scoped(_c, form=lambda w: {"notes": "hacked"}),
    "POST /api/v1/customers/{id}/archive/": Scoped(_c, form=lambda w: {"reason": "停业"}),
    "POST /api/v1/customers/{id}/restore/": Scoped(_c),
    "POST /api/v1/customers/{id}/merge/": Scoped(_c, form=lambda w: {
        "duplicate": w.alice_customer.pk}),
    "POST /api/v1/customers/{id}/capture-coordinates/": Scoped(_c, form=lambda w: {
        "lat": "29.9", "lng": "121.6", "accuracy_m": 5}),
    "GET /api/v1/customers/{id}/history/": Scoped(_c),
    "GET /api/v1/customers/{id}/timeline/": Scoped(_c),
    "GET /api/v1/customers/{customer_pk}/credit/": Scoped(_cp),
    "GET /api/v1/customers/{customer_pk}/contacts/": Scoped(_cp),
    "POST /api/v1/customers/{customer_pk}/contacts/": Scoped(_cp, form=lambda w: {
        "name": "黑客"}),
    "GET /api/v1/customers/{customer_pk}/contacts/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.contact.pk}),
    "PUT /api/v1/customers/{customer_pk}/contacts/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.contact.pk},
        form=lambda w: {"name": "黑客"}),
    "PATCH /api/v1/customers/{customer_pk}/contacts/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.contact.pk},
        form=lambda w: {"name": "黑客"}),
    "DELETE /api/v1/customers/{customer_pk}/contacts/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.contact.pk}),
    "GET /api/v1/customers/{customer_pk}/competitors/": Scoped(_cp),
    "POST /api/v1/customers/{customer_pk}/competitors/": Scoped(_cp, form=lambda w: {
        "brand": "黑牌"}),
    "GET /api/v1/customers/{customer_pk}/competitors/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.competitor.pk}),
    "PUT /api/v1/customers/{customer_pk}/competitors/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.competitor.pk},
        form=lambda w: {"brand": "黑牌"}),
    "PATCH /api/v1/customers/{customer_pk}/competitors/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.competitor.pk},
        form=lambda w: {"brand": "黑牌"}),
    "DELETE /api/v1/customers/{customer_pk}/competitors/{id}/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.competitor.pk}),
    # reference data (company-wide, read-only)
    "GET /api/v1/outlet-types/": LoggedIn("reference data"),
    "GET /api/v1/outlet-types/{id}/": LoggedIn("reference data"),
    "GET /api/v1/customer-classes/": LoggedIn("reference data"),
    "GET /api/v1/customer-classes/{id}/": LoggedIn("reference data"),
    "GET /api/v1/tags/": LoggedIn("reference data"),
    "GET /api/v1/tags/{id}/": LoggedIn("reference data"),
    "GET /api/v1/regions/": LoggedIn("the region tree"),
    "GET /api/v1/regions/{id}/": LoggedIn("the region tree"),
    "GET /api/v1/teams/": LoggedIn("teams"),
    "GET /api/v1/teams/{id}/": LoggedIn("teams"),
    "GET /api/v1/users/": LoggedIn("people in scope"),
    "GET /api/v1/users/{id}/": Scoped(lambda w: {"id": w.charlie.pk}),
    "GET /api/v1/products/": LoggedIn("the catalogue"),
    "GET /api/v1/products/{id}/": LoggedIn("the catalogue"),
    "GET /api/v1/price-lists/": LoggedIn("price lists"),
    "GET /api/v1/price-lists/{id}/": LoggedIn("price lists"),
    # the field app
    "GET /api/v1/me/today/": LoggedIn("own day"),
    "GET /api/v1/me/positions/": LoggedIn("own positions"),
    "POST /api/v1/me/plan/stops/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk}),
    "POST /api/v1/me/plan/stops/{stop_id}/drop/": Scoped(lambda w: {"stop_id": w.stop.pk},
                                                          form=lambda w: {"reason": "x"}),
    "POST /api/v1/sync/": LoggedIn("own queued actions"),
    "POST /api/v1/visits/check-in/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "client_id": "11111111-1111-4111-8111-111111111111",
        "device_time": "2030-01-01T10:00:00+08:00"}),
    "GET /api/v1/visits/": LoggedIn("own visits"),
    "GET /api/v1/visits/{client_id}/": Scoped(_visit),
    "POST /api/v1/visits/{client_id}/record/": Scoped(_visit, form=lambda w: {"notes": "x"}),
    "POST /api/v1/visits/{client_id}/check-out/": Scoped(_visit, form=lambda w: {
        "device_time": "2030-01-01T10:00:00+08:00"}),
    "POST /api/v1/visits/{client_id}/stock/": Scoped(_visit, form=lambda w: {
        "rows": [{"product": w.product.pk, "in_stock": True, "facings": 1}]}),
    "POST /api/v1/visits/{client_id}/sightings/": Scoped(_visit, form=lambda w: {
        "brand": "x"}),
    "POST /api/v1/visits/{client_id}/orders/": Scoped(_visit, form=lambda w: {
        "lines": [{"product": w.product.pk, "quantity": 1}]}),
    "POST /api/v1/visits/{client_id}/payments/": Scoped(_visit, form=lambda w: {
        "order": w.order.pk, "amount": "1"}),
    "POST /api/v1/visits/{client_id}/photos/": Scoped(_visit, multipart=True, form=lambda w: {
        "taken_at": "2030-01-01T10:00:00+08:00",
        "client_id": "22222222-2222-4222-8222-222222222222"}),
    "POST /api/v1/visits/{ref}/accept/": Scoped(lambda w: {"ref": w.visit.pk}),
    "POST /api/v1/visits/{ref}/reject/": Scoped(lambda w: {"ref": w.visit.pk},
                                                form=lambda w: {"reason": "x"}),
    "GET /api/v1/tasks/": LoggedIn("own tasks (a supervisor: his reps')"),
    "POST /api/v1/tasks/": Scoped(_none, form=lambda w: {"rep": w.charlie.pk, "title": "x"}),
    "GET /api/v1/tasks/{client_id}/": Scoped(_task_uuid),
    "POST /api/v1/tasks/{client_id}/complete/": Scoped(_task_uuid),
    "POST /api/v1/tasks/{client_id}/done/": Scoped(_task_uuid),
    "POST /api/v1/tasks/{client_id}/postpone/": Scoped(_task_uuid, form=lambda w: {
        "days": 1, "reason": "x"}),
    "GET /api/v1/tasks/{id}/": Scoped(_task_id),
    "POST /api/v1/tasks/{id}/complete/": Scoped(_task_id),
    "POST /api/v1/tasks/{id}/postpone/": Scoped(_task_id, form=lambda w: {"days": 1,
                                                                          "reason": "x"}),
    # supervision
    "POST /api/v1/plans/generate/": LoggedIn("the caller's own reps' plans"),
    "POST /api/v1/plan-stops/": Scoped(_none, form=lambda w: {
        "rep": w.charlie.pk, "customer": w.customer.pk}),
    "POST /api/v1/plan-stops/{id}/drop/": Scoped(lambda w: {"id": w.stop.pk}),
    "GET /api/v1/supervision/day/": Scoped(_none, query=lambda w: {"team": w.team_nb.pk}),
    "GET /api/v1/kpis/visits/": Scoped(_none, query=lambda w: {"rep": w.charlie.pk,
                                                                "from": "2030-01-01",
                                                                "to": "2030-01-31"}),
    "GET /api/v1/routes/": Scoped(_none, query=_rep),
    "POST /api/v1/routes/": Scoped(_none, form=lambda w: {"rep": w.charlie.pk, "name": "x",
                                                          "weekday": 0}),
    "GET /api/v1/routes/frequency/": Scoped(_none, query=_rep),
    "GET /api/v1/routes/{id}/": Scoped(lambda w: {"id": w.route.pk}),
    "PUT /api/v1/routes/{id}/": Scoped(lambda w: {"id": w.route.pk}, form=lambda w: {
        "rep": w.charlie.pk, "name": "hacked", "weekday": 1}),
    "PATCH /api/v1/routes/{id}/": Scoped(lambda w: {"id": w.route.pk},
                                         form=lambda w: {"name": "hacked"}),
    "DELETE /api/v1/routes/{id}/": Scoped(lambda w: {"id": w.route.pk}),
    "GET /api/v1/plans/": Scoped(_none, query=_rep),
    "GET /api/v1/plans/{id}/": Scoped(lambda w: {"id": w.plan.pk}),
    "POST /api/v1/plans/{id}/reorder/": Scoped(lambda w: {"id": w.plan.pk},
                                               form=lambda w: {"stops": [w.stop.pk]}),
    # orders
    "GET /api/v1/orders/": LoggedIn("orders in scope"),
    "POST /api/v1/orders/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "lines": [{"product": w.product.pk, "quantity": 1}]}),
    "GET /api/v1/orders/{id}/": Scoped(lambda w: {"id": w.order.pk}),
    "POST /api/v1/orders/{id}/cancel/": Scoped(lambda w: {"id": w.order.pk},
                                               form=lambda w: {"reason": "x"}),
    "POST /api/v1/orders/{id}/confirm/": Scoped(lambda w: {"id": w.order.pk}),
    "POST /api/v1/orders/{id}/deliver/": Scoped(lambda w: {"id": w.order.pk}),
    "GET /api/v1/orders/{id}/payments/": Scoped(lambda w: {"id": w.order.pk}),
    "POST /api/v1/orders/{id}/payments/": Scoped(lambda w: {"id": w.order.pk},
                                                 form=lambda w: {"amount": "1"}),
    "GET /api/v1/returns/": LoggedIn("credits in scope"),
    "POST /api/v1/returns/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "kind": "claim", "amount": "1", "reason": "x"}),
    "GET /api/v1/returns/{id}/": Scoped(lambda w: {"id": w.pending_claim.pk}),
    "POST /api/v1/returns/{id}/approve/": Scoped(lambda w: {"id": w.pending_claim.pk}),
    "POST /api/v1/returns/{id}/refuse/": Scoped(lambda w: {"id": w.pending_claim.pk},
                                                form=lambda w: {"note": "x"}),
    # optimise
    "POST /api/v1/optimise/day/": Scoped(_none, form=lambda w: {"rep": w.charlie.pk,
                                                                "date": str(w.plan.date)}),
    "POST /api/v1/optimise/days/{id}/apply/": Scoped(lambda w: {"id": w.day_job.pk}),
    "POST /api/v1/optimise/design/": Scoped(_none, form=lambda w: {"rep": w.charlie.pk,
                                                                   "cycle_weeks": 1}),
    "POST /api/v1/optimise/designs/{id}/edit/": Scoped(lambda w: {"id": w.design_job.pk}),
    "POST /api/v1/optimise/designs/{id}/adopt/": Scoped(lambda w: {"id": w.design_job.pk}),
    "POST /api/v1/optimise/territory/": Scoped(_none, form=lambda w: {"team": w.team_nb.pk,
                                                                      "cycle_weeks": 1}),
    "POST /api/v1/optimise/territories/{id}/apply/": Scoped(
        lambda w: {"id": w.territory_job.pk}),
    "GET /api/v1/optimise/jobs/{id}/": Scoped(lambda w: {"id": w.design_job.pk}),
    # notifications
    "GET /api/v1/notifications/": LoggedIn("own notifications"),
    "POST /api/v1/notifications/read-all/": LoggedIn("own notifications"),
    "GET /api/v1/notifications/preferences/": LoggedIn("own preferences"),
    "PUT /api/v1/notifications/preferences/": LoggedIn("own preferences"),
    "GET /api/v1/notifications/{id}/": Scoped(lambda w: {"id": w.notification.pk}),
    "POST /api/v1/notifications/{id}/read/": Scoped(lambda w: {"id": w.notification.pk}),
    # complaints
    "GET /api/v1/complaints/": LoggedIn("complaints in scope"),
    "POST /api/v1/complaints/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "channel": "phone", "category": "product",
        "severity": "low", "description": "x"}),
    "GET /api/v1/complaints/{id}/": Scoped(_complaint),
    "POST /api/v1/complaints/{id}/assign/": Scoped(_complaint, form=lambda w: {
        "assignee": w.alice.pk}),
    "POST /api/v1/complaints/{id}/close/": Scoped(_complaint),
    "POST /api/v1/complaints/{id}/commit/": Scoped(_complaint, form=lambda w: {
        "date": "2030-01-01"}),
    "POST /api/v1/complaints/{id}/notes/": Scoped(_complaint, form=lambda w: {"text": "x"}),
    "POST /api/v1/complaints/{id}/photos/": Scoped(_complaint, multipart=True),
    "POST /api/v1/complaints/{id}/reopen/": Scoped(_complaint, form=lambda w: {
        "reason": "x"}),
    "POST /api/v1/complaints/{id}/resolve/": Scoped(_complaint, form=lambda w: {
        "resolution_type": "replace", "note": "x"}),
    "POST /api/v1/complaints/{id}/respond/": Scoped(_complaint, form=lambda w: {"text": "x"}),
    "POST /api/v1/complaints/{id}/satisfaction/": Scoped(_complaint, form=lambda w: {
        "score": 1}),
    "GET /api/v1/service-targets/": LoggedIn("the service targets (company-wide)"),
    "GET /api/v1/service-targets/{id}/": LoggedIn("the service targets (company-wide)"),
    "PUT /api/v1/service-targets/{id}/": Restricted("administrator", target=lambda w: {
        "id": w.service_target.pk}, form=lambda w: {"respond_minutes": 1,
                                                    "resolve_minutes": 2}),
    "PATCH /api/v1/service-targets/{id}/": Restricted("administrator", target=lambda w: {
        "id": w.service_target.pk}, form=lambda w: {"respond_minutes": 1}),
    # churn
    "GET /api/v1/churn-flags/": LoggedIn("flags in scope"),
    "GET /api/v1/churn-flags/{id}/": Scoped(lambda w: {"id": w.churn_flag.pk}),
    "POST /api/v1/churn-flags/{id}/handle/": Scoped(lambda w: {"id": w.churn_flag.pk},
                                                    form=lambda w: {"action": "dismiss",
                                                                    "note": "x"}),
    # care
    "GET /api/v1/care-rules/": LoggedIn("the care rules (company-wide)"),
    "GET /api/v1/care-rules/{id}/": LoggedIn("the care rules (company-wide)"),
    "POST /api/v1/care-rules/": Restricted("care rule managers", form=lambda w: {
        "name": "x", "kind": "birthday"}),
    "PUT /api/v1/care-rules/{id}/": Restricted("care rule managers", target=lambda w: {
        "id": w.care_rule.pk}, form=lambda w: {"name": "hacked", "kind": "birthday"}),
    "PATCH /api/v1/care-rules/{id}/": Restricted("care rule managers", target=lambda w: {
        "id": w.care_rule.pk}, form=lambda w: {"name": "hacked"}),
    "GET /api/v1/family-events/": LoggedIn("family events in scope"),
    "POST /api/v1/family-events/": Scoped(_none, form=lambda w: {
        "contact": w.contact.pk, "kind": "wedding", "date": "2030-01-01"}),
    "GET /api/v1/family-events/{id}/": Scoped(lambda w: {"id": w.family_event.pk}),
    "DELETE /api/v1/family-events/{id}/": Scoped(lambda w: {"id": w.family_event.pk}),
    "GET /api/v1/gifts/": LoggedIn("gifts in scope"),
    "POST /api/v1/gifts/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "date": "2030-01-01", "description": "x", "value": "1"}),
    "GET /api/v1/gifts/{id}/": Scoped(lambda w: {"id": w.gift.pk}),
    "DELETE /api/v1/gifts/{id}/": Scoped(lambda w: {"id": w.gift.pk}),
    # customer development: street sweeps and reports (docs/development.md)
    "GET /api/v1/sweeps/campaigns/": LoggedIn("sweep campaigns in scope"),
    "GET /api/v1/sweeps/campaigns/{id}/": Scoped(lambda w: {"id": w.campaign.pk}),
    "GET /api/v1/sweeps/campaigns/{id}/answers/": Scoped(lambda w: {"id": w.campaign.pk}),
    "POST /api/v1/sweeps/duplicates/": LoggedIn("the dedupe check; matches out of scope show "
                                                "their code only"),
    "POST /api/v1/sweeps/ops/": Scoped(_none, form=lambda w: {
        "op": "sweep_answers", "client_id": str(uuid.uuid4()), "payload": {
            "outlet": str(w.sweep_outlet.client_id), "answers": {},
            "device_time": "2026-01-01T10:00:00+08:00", "intention": "high"}}),
    "POST /api/v1/sweeps/outlets/{client_id}/photos/": Scoped(
        lambda w: {"client_id": w.sweep_outlet.client_id},
        form=lambda w: {"client_id": str(uuid.uuid4())}, multipart=True),
    "GET /api/v1/reports/": LoggedIn("reports in scope"),
    "POST /api/v1/reports/open/": LoggedIn("the caller's own report"),
    "GET /api/v1/reports/{id}/": Scoped(lambda w: {"id": w.report.pk}),
    "PATCH /api/v1/reports/{id}/": Scoped(lambda w: {"id": w.report.pk},
                                          form=lambda w: {"remarks": "hacked"}),
    "POST /api/v1/reports/{id}/comments/": Scoped(lambda w: {"id": w.report.pk},
                                                  form=lambda w: {"text": "hacked"}),
    # archive governance (docs/governance.md)
    "GET /api/v1/duplicate-pairs/": LoggedIn("pairs on the caller's desk (custodians)"),
    "POST /api/v1/duplicate-pairs/scan/": Restricted("custodians, administrators"),
    "GET /api/v1/duplicate-pairs/{id}/": Scoped(lambda w: {"id": w.pair.pk}),
    "POST /api/v1/duplicate-pairs/{id}/dismiss/": Scoped(lambda w: {"id": w.pair.pk},
                                                         form=lambda w: {"note": "x"}),
    "POST /api/v1/duplicate-pairs/{id}/merge/": Scoped(lambda w: {"id": w.pair.pk},
                                                       form=lambda w: {"survivor": "a"}),
    "GET /api/v1/archive-changes/": LoggedIn("held changes the caller may decide"),
    "GET /api/v1/archive-changes/{id}/": Scoped(lambda w: {"id": w.pending_change.pk}),
    "POST /api/v1/archive-changes/{id}/approve/": Scoped(
        lambda w: {"id": w.pending_change.pk}),
    "POST /api/v1/archive-changes/{id}/refuse/": Scoped(
        lambda w: {"id": w.pending_change.pk}, form=lambda w: {"reason": "x"}),
    "GET /api/v1/archive-deletions/": LoggedIn("tombstones for custodians and "
                                               "administrators, an empty list for others"),
    "POST /api/v1/archive-deletions/": Restricted("administrators", form=lambda w: {
        "customer": w.customer.pk, "reason": "x"}),
    "POST /api/v1/customers/{customer_pk}/contacts/{id}/reveal/": Scoped(
        lambda w: {"customer_pk": w.customer.pk, "id": w.contact.pk},
        form=lambda w: {"field": "mobile"}),
    # access: borrowing, report, exports
    "GET /api/v1/borrow-candidates/": LoggedIn("customers outside the caller's scope, by "
                                               "code and name only"),
    "GET /api/v1/borrow-requests/": LoggedIn("own requests, or those the custodian decides"),
    "POST /api/v1/borrow-requests/": LoggedIn("a request of the caller's own"),
    "GET /api/v1/borrow-requests/{id}/": Scoped(lambda w: {"id": w.borrow.pk}),
    "POST /api/v1/borrow-requests/{id}/approve/": Scoped(lambda w: {"id": w.borrow.pk}),
    "POST /api/v1/borrow-requests/{id}/refuse/": Scoped(lambda w: {"id": w.borrow.pk},
                                                        form=lambda w: {"note": "x"}),
    "POST /api/v1/borrow-requests/{id}/withdraw/": Scoped(lambda w: {"id": w.borrow.pk}),
    "GET /api/v1/access-report/": Restricted("custodians, administrators"),
    "GET /api/v1/access-anomalies/": Restricted("custodians, administrators"),
    "GET /api/v1/exports/": LoggedIn("own exports, or those the custodian audits"),
    "GET /api/v1/exports/{id}/": Scoped(lambda w: {"id": w.export.pk}),
    "POST /api/v1/exports/{id}/approve/": Scoped(lambda w: {"id": w.export.pk}),
    "POST /api/v1/exports/{id}/refuse/": Scoped(lambda w: {"id": w.export.pk},
                                                form=lambda w: {"note": "x"}),
    "GET /api/v1/exports/{id}/download/": Scoped(lambda w: {"id": w.export.pk}),
    # handover
    "GET /api/v1/handovers/": LoggedIn("handovers of the caller's reps (supervisors up)"),
    "POST /api/v1/handovers/": Scoped(_none, form=lambda w: {
        "from_rep": w.charlie.pk, "to_reps": [w.alice.pk], "deactivate": True}),
    "POST /api/v1/handovers/preview/": Scoped(_none, form=lambda w: {
        "from_rep": w.charlie.pk, "to_reps": [w.alice.pk]}),
    "GET /api/v1/handovers/{id}/": Scoped(lambda w: {"id": w.handover.pk}),
    # pipeline
    "GET /api/v1/pipeline-funnel/": LoggedIn("prospects in scope"),
    "GET /api/v1/pipeline-stages/": LoggedIn("the stages (company-wide)"),
    "GET /api/v1/pipeline-stages/{id}/": LoggedIn("the stages (company-wide)"),
    "GET /api/v1/prospects/": LoggedIn("prospects in scope"),
    "GET /api/v1/prospects/board/": LoggedIn("prospects in scope"),
    "POST /api/v1/prospects/": Scoped(_none, form=lambda w: {
        "customer": w.prospect_customer.pk}),
    "GET /api/v1/prospects/{id}/": Scoped(lambda w: {"id": w.prospect.pk}),
    "POST /api/v1/prospects/{id}/move/": Scoped(lambda w: {"id": w.prospect.pk},
                                                form=lambda w: {"stage": w.prospect.stage_id}),
    "POST /api/v1/prospects/{id}/lost/": Scoped(lambda w: {"id": w.prospect.pk},
                                                form=lambda w: {"reason": "price"}),
    "POST /api/v1/prospects/{id}/won/": Scoped(lambda w: {"id": w.prospect.pk}),
    "GET /api/v1/prospects/{id}/outputs/": Scoped(lambda w: {"id": w.prospect.pk}),
    "POST /api/v1/prospects/{id}/outputs/": Scoped(lambda w: {"id": w.prospect.pk},
                                                   form=lambda w: {"text": "hacked"}),
    # evaluation and classification
    "GET /api/v1/scoring-models/": LoggedIn("the scoring models (company-wide)"),
    "GET /api/v1/scoring-models/{id}/": LoggedIn("the scoring models (company-wide)"),
    "POST /api/v1/scoring-models/": Restricted("administrators", form=lambda w: {
        "name": "x"}),
    "PUT /api/v1/scoring-models/{id}/": Restricted("administrators", target=lambda w: {
        "id": w.scoring_model.pk}, form=lambda w: {"name": "hacked"}),
    "DELETE /api/v1/scoring-models/{id}/": Restricted("administrators", target=lambda w: {
        "id": w.scoring_model.pk}),
    "GET /api/v1/evaluations/": LoggedIn("evaluations in scope"),
    "GET /api/v1/evaluations/{id}/": Scoped(lambda w: {"id": w.evaluation.pk}),
    "GET /api/v1/class-proposals/": LoggedIn("class proposals in scope"),
    "GET /api/v1/class-proposals/{id}/": Scoped(lambda w: {"id": w.proposal.pk}),
    "POST /api/v1/class-proposals/{id}/approve/": Scoped(lambda w: {"id": w.proposal.pk}),
    "POST /api/v1/class-proposals/{id}/refuse/": Scoped(lambda w: {"id": w.proposal.pk},
                                                        form=lambda w: {"note": "x"}),
    # The run log carries company-wide counts and who started each run: administrators'.
    "GET /api/v1/evaluation-runs/": Restricted("administrators"),
    "POST /api/v1/evaluation-runs/": Restricted("administrators"),
    "GET /api/v1/evaluation-runs/{id}/": Restricted("administrators",
                                                    target=lambda w: {"id": w.evaluation_run.pk}),
    "POST /api/v1/evaluation-values/": Scoped(_none, form=lambda w: {
        "customer": w.customer.pk, "key": "shelf_metres", "value": "9"}),
}


def classify_page(name: str):
    """The registry entry for URL name `name` ("ns:name"), or None."""
    if name in PAGES:
        return PAGES[name]
    namespace = name.split(":", 1)[0] if ":" in name else None
    return NAMESPACES.get(namespace)

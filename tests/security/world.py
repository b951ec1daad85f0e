"""The security suite's world: the fixed cast (tests/conftest.py) and one of every record,
owned by Charlie (宁波一组, the ningbo office) — the scope the attackers must not reach.

  alice (rep, 杭州一组) and sup (supervisor of 杭州一组, the sibling office of ningbo) attack;
  charlie (rep) and sup_nb (his supervisor) own the target records.

Built once per test module inside a transaction that is rolled back at the end
(tests/security/conftest.py); each test runs in a savepoint of its own.
"""

import datetime
import io
import uuid
from decimal import Decimal
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext_lazy

from outletcrm.accounts.models import UserSession
from outletcrm.churn.models import ChurnFlag
from outletcrm.optimise.models import JobKind, JobStatus, OptimisationJob
from outletcrm.orders.models import PriceList, PriceListItem
from outletcrm.orders.services import order_create, payment_record, return_create
from outletcrm.org.models import Role
from outletcrm.visits.models import VisitPhoto
from outletcrm.visits.routes import route_create
from outletcrm.visits.services import plan_add_stop, task_add, visit_check_in
from tests.factories import (
    CompetitorFactory,
    ContactFactory,
    CustomerFactory,
    ProductFactory,
    RegionFactory,
    TeamFactory,
    UserFactory,
)

NINGBO = (Decimal("29.870000"), Decimal("121.550000"))


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return buffer.getvalue()


def _cast() -> dict:
    east = RegionFactory(name="华东大区", code="east")
    zhejiang = RegionFactory(name="浙江省区", code="zhejiang", parent=east)
    hangzhou = RegionFactory(name="杭州办事处", code="hangzhou", parent=zhejiang)
    ningbo = RegionFactory(name="宁波办事处", code="ningbo", parent=zhejiang)
    team_hz = TeamFactory(name="杭州一组", region=hangzhou)
    team_nb = TeamFactory(name="宁波一组", region=ningbo)
    alice = UserFactory(username="alice", display_name="王丽", team=team_hz)
    bob = UserFactory(username="bob", display_name="李波", team=team_hz)
    charlie = UserFactory(username="charlie", display_name="陈超", team=team_nb)
    sup = UserFactory(username="sup", display_name="张主管", role=Role.SUPERVISOR, team=team_hz)
    sup_nb = UserFactory(username="sup_nb", display_name="宁主管", role=Role.SUPERVISOR,
                         team=team_nb)
    mgr_nb = UserFactory(username="mgr_nb", role=Role.MANAGER, team=None, region=ningbo)
    custodian = UserFactory(username="custodian", role=Role.CUSTODIAN, team=None)
    admin = UserFactory(username="admin", role=Role.ADMIN, team=None, is_staff=True,
                        is_superuser=True)
    alice_customer = CustomerFactory(name="联华超市", owner=alice, address="文三路100号",
                                     phone="13800000001")
    return {k: v for k, v in locals().items()}


def build_world() -> SimpleNamespace:
    w = SimpleNamespace(**_cast())
    charlie, sup_nb, today = w.charlie, w.sup_nb, timezone.localdate()

    # The target customer and its records.
    w.customer = CustomerFactory(name="宁波海曙药房", owner=charlie, city="宁波市",
                                 district="海曙区", address="中山西路1号", phone="13900000009",
                                 latitude=NINGBO[0], longitude=NINGBO[1])
    w.customer2 = CustomerFactory(name="宁波江北超市", owner=charlie, city="宁波市",
                                  address="人民路2号", latitude=NINGBO[0],
                                  longitude=NINGBO[1] + Decimal("0.01"))
    w.contact = ContactFactory(customer=w.customer, name="陈老板")
    w.competitor = CompetitorFactory(customer=w.customer)

    w.product = ProductFactory(code="W500", name="天然矿泉水", spec="500ml×24")
    price_list = PriceList.objects.create(name="标准价", is_default=True)
    PriceListItem.objects.create(price_list=price_list, product=w.product,
                                 unit_price=Decimal("10"))
    w.price_list = price_list
    w.order, _ = order_create(actor=charlie, customer=w.customer,
                              lines=[{"product": w.product, "quantity": 100}])
    w.payment, _ = payment_record(actor=charlie, order=w.order, amount=Decimal("30"))
    w.claim, _ = return_create(actor=charlie, customer=w.customer, order=w.order,
                               amount=Decimal("10"), reason="破损")
    # A claim above the approval amount waits for a supervisor: approve/refuse targets.
    w.pending_claim, _ = return_create(actor=charlie, customer=w.customer, order=w.order,
                                       amount=Decimal("600"), reason="过期")

    w.route = route_create(actor=sup_nb, rep=charlie, name="周一路线",
                           weekday=today.weekday(),
                           customer_ids=[w.customer.pk, w.customer2.pk])
    w.stop = plan_add_stop(actor=sup_nb, rep=charlie, date=today, customer=w.customer2)
    w.plan = w.stop.plan
    w.visit, _ = visit_check_in(actor=charlie, customer=w.customer, client_id=uuid.uuid4(),
                                device_time=timezone.now() - datetime.timedelta(minutes=5),
                                lat=NINGBO[0], lng=NINGBO[1], accuracy_m=10, fix_age_s=2)
    w.photo = VisitPhoto(visit=w.visit, taken_at=timezone.now())
    w.photo.image.save("charlie.jpg", ContentFile(jpeg_bytes()), save=True)
    w.task, _ = task_add(actor=charlie, rep=charlie, title="核对宁波库存", customer=w.customer,
                         due_date=today)

    from outletcrm.complaints.models import ComplaintPhoto
    from outletcrm.complaints.services import complaint_intake

    w.complaint = complaint_intake(actor=charlie, customer=w.customer, contact=w.contact,
                                   channel="phone", category="product", severity="high",
                                   description="漏液")
    w.complaint_photo = ComplaintPhoto(complaint=w.complaint, uploaded_at=timezone.now(),
                                       uploaded_by=charlie)
    w.complaint_photo.image.save("leak.jpg", ContentFile(jpeg_bytes()), save=True)

    w.churn_flag = ChurnFlag.objects.create(
        customer=w.customer, raised_on=today, reasons=["interval"],
        evidence={"last_order": (today - datetime.timedelta(days=30)).isoformat(),
                  "days_since": 30, "usual_interval_days": 7.0, "order_days_12m": 40,
                  "value_last_90": "100.00", "value_previous_90": "300.00",
                  "drop_percent": 66.7, "interval_multiple": "2.0", "drop_threshold": 50})

    from outletcrm.care.services import family_event_add, gift_record

    w.family_event = family_event_add(actor=charlie, contact=w.contact, kind="wedding",
                                      date=today + datetime.timedelta(days=30))
    w.gift, _ = gift_record(actor=charlie, customer=w.customer, contact=w.contact, date=today,
                            description="西湖龙井", value=Decimal("200"), story="老板爱喝茶")

    from outletcrm.notifications.services import notify

    w.notification = notify(user=charlie, kind="task.due",
                            title=gettext_lazy("A task is due"),
                            link=f"/customers/{w.customer.pk}/")
    w.session = UserSession.objects.create(user=charlie, key_hash="c" * 64, ip="10.0.0.9",
                                           last_seen=timezone.now())

    # Optimisation jobs about Charlie (rows only: running the solver costs seconds).
    finished = {"status": JobStatus.DONE, "progress": 1.0, "created_by": sup_nb,
                "finished_at": timezone.now()}
    w.day_job = OptimisationJob.objects.create(kind=JobKind.DAY, rep=charlie, **finished,
                                               params={"date": today.isoformat()})
    w.design_job = OptimisationJob.objects.create(kind=JobKind.DESIGN, rep=charlie, **finished)
    w.territory_job = OptimisationJob.objects.create(kind=JobKind.TERRITORY, team=w.team_nb,
                                                     **finished)

    # Charlie's own background import (customers/import_jobs.py): nobody else may see it.
    from outletcrm.customers.models import ImportJob

    w.import_job = ImportJob.objects.create(created_by=charlie, filename="宁波客户.xlsx",
                                            status=ImportJob.Status.FAILED, error="x")

    from rest_framework.authtoken.models import Token

    from outletcrm.care.models import CareRule
    from outletcrm.complaints.models import ServiceTarget

    _sweep_records(w, today)
    _governance_records(w, today)
    w.charlie_token = Token.objects.create(user=charlie)
    w.care_rule = CareRule.objects.order_by("pk").first()
    w.service_target = ServiceTarget.objects.order_by("pk").first()
    return w


def _sweep_records(w, today) -> None:
    """A street sweep of 宁波一组 (development): campaign, Charlie's outlet with its storefront
    and a photo answer, and his submitted daily report."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from outletcrm.development import services as sweeps

    template = sweeps.template_save(actor=w.sup_nb, name="宁波表",
                                    definition="# 渠道\ntext: 主要品牌\nphoto: 门头\n")
    ring = [[121.54, 29.86], [121.56, 29.86], [121.56, 29.88], [121.54, 29.88], [121.54, 29.86]]
    w.campaign = sweeps.campaign_save(
        actor=w.sup_nb, name="宁波扫街", team=w.team_nb, members=[w.charlie],
        starts_on=today - datetime.timedelta(days=1), ends_on=today + datetime.timedelta(days=5),
        area={"type": "Polygon", "coordinates": [ring]}, template=template)
    moment = timezone.now() - datetime.timedelta(minutes=5)
    w.sweep_outlet, _ = sweeps.sweep_outlet_record(
        actor=w.charlie, campaign=w.campaign, client_id=uuid.uuid4(), customer=w.customer.pk,
        device_time=moment, lat=NINGBO[0], lng=NINGBO[1])
    text_q, photo_q = template.sections.get().questions.all()
    sweeps.survey_answers_save(actor=w.charlie, outlet=w.sweep_outlet, device_time=moment,
                               answers={str(text_q.pk): "漏液"})
    for question in (None, photo_q.pk):
        sweeps.sweep_photo_save(actor=w.charlie, outlet=w.sweep_outlet,
                                upload=SimpleUploadedFile("s.jpg", jpeg_bytes()),
                                client_id=uuid.uuid4(), question=question, taken_at=moment)
    w.sweep_outlet.refresh_from_db()
    w.survey_answer = w.sweep_outlet.answers.get(question=photo_q)
    w.report = sweeps.report_open(actor=w.charlie, kind="sweep_daily", day=today)
    sweeps.report_save(actor=w.charlie, report=w.report, submit=True,
                       texts={"remarks": "核对宁波库存"})



def _governance_records(w, today) -> None:
    """Records of the archive-governance apps about 宁波 (governance, access, handover,
    pipeline, evaluation): a suspected duplicate pair of Charlie's two outlets, a change to
    his customer held for approval, his borrowing and export requests, a handover of his
    customers by sup_nb, a prospect with a filed output, an evaluation and a class proposal."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from outletcrm.core.models import BorrowItem, BorrowRequest, ExportRequest
    from outletcrm.evaluation.models import ClassProposal, Evaluation, EvaluationRun
    from outletcrm.evaluation.services import evaluate
    from outletcrm.governance.models import DuplicatePair, GovernancePolicy, PendingChange
    from outletcrm.handover.models import Handover, HandoverMove
    from outletcrm.pipeline import services as pipeline

    now = timezone.now()
    GovernancePolicy.current()  # the policy row is created on first read; not an attack
    w.pair = DuplicatePair.objects.create(customer_a=w.customer, customer_b=w.customer2,
                                          reasons=["nearby_name"], distance_m=900)
    w.pending_change = PendingChange.objects.create(
        kind="update", customer=w.customer, name=w.customer.name,
        proposed={"name": "宁波海曙大药房"}, before={"name": w.customer.name},
        region=w.customer.region, team=w.customer.team, requested_by=w.charlie)
    w.borrow = BorrowRequest.objects.create(
        requester=w.charlie, purpose="audit", reason="周一路线", starts_at=now,
        ends_at=now + datetime.timedelta(days=3))
    BorrowItem.objects.create(request=w.borrow, customer_id=w.alice_customer.pk,
                              region_id=w.alice_customer.region_id)
    w.export = ExportRequest.objects.create(requester=w.charlie, row_count=5000,
                                            status="pending", filter_text="宁波市")
    w.handover = Handover.objects.create(from_rep=w.charlie, created_by=w.sup_nb,
                                         reason="调岗", counts={"customers": 1})
    HandoverMove.objects.create(handover=w.handover, customer=w.customer2, to_rep=w.charlie)

    w.prospect_customer = CustomerFactory(name="宁波新开药店", owner=w.charlie, city="宁波市",
                                          status="potential", latitude=NINGBO[0],
                                          longitude=NINGBO[1])
    w.prospect = pipeline.prospect_open(actor=w.charlie, customer=w.prospect_customer)
    w.output = pipeline.output_add(actor=w.charlie, prospect=w.prospect, text="漏液",
                                   attachment=SimpleUploadedFile("plan.jpg", jpeg_bytes()))

    w.evaluation_run = evaluate(day=today, full=True)
    w.evaluation = Evaluation.objects.filter(customer=w.customer).first()
    w.scoring_model = w.evaluation.scoring_model
    w.proposal = (ClassProposal.objects.filter(customer=w.customer).first()
                  or ClassProposal.objects.create(customer=w.customer, facts={},
                                                  proposed_at=now, run=w.evaluation_run))
    assert isinstance(w.evaluation_run, EvaluationRun)

"""Complaint pages, phone pages and API: scope (404 outside it), photos only in scope, query
counts bounded, bad input answered without writing."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outletcrm.complaints import services
from outletcrm.complaints.models import Complaint
from outletcrm.core import scoping
from outletcrm.customers.models import Customer
from outletcrm.visits.models import FollowUpTask
from tests.complaints.conftest import jpeg_bytes


def make(cast, actor=None, customer=None, **kw):
    return services.complaint_intake(
        actor=actor or cast.alice, customer=customer or cast.alice_customer, channel="phone",
        category=kw.pop("category", "product"), severity=kw.pop("severity", "high"),
        description="包装破损", **kw)


def test_customer_service_sees_every_customer_but_no_field_data(cast, kefu):
    assert Customer.objects.count() == scoping.restrict(Customer.objects.all(), kefu).count()
    assert scoping.rep_scope_q(kefu) is not None  # nothing of the reps' plans and visits
    assert not scoping.can_trade(kefu) and not scoping.can_merge_customers(kefu)
    assert scoping.can_take_complaints(kefu) and not scoping.can_take_complaints(cast.custodian)
    make(cast), make(cast, cast.charlie, cast.charlie_customer)
    assert scoping.restrict_complaints(Complaint.objects.all(), kefu).count() == 2
    assert scoping.restrict_complaints(Complaint.objects.all(), cast.alice).count() == 1
    assert scoping.restrict_complaints(Complaint.objects.all(), cast.mgr_nb).count() == 1


def test_another_reps_complaint_is_404_on_pages_phone_and_api(cast, login, api):
    complaint = make(cast)
    client = login(cast.charlie)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    assert client.post(reverse("complaints:action", args=[complaint.pk, "respond"]),
                       {"respond-text": "x"}).status_code == 404
    assert client.get(reverse("mobile-complaints:detail", args=[complaint.pk])).status_code == 404
    assert api(cast.charlie).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404
    assert api(cast.charlie).get("/api/v1/complaints/").json()["count"] == 0
    assert login(cast.sup).get(reverse("complaints:detail", args=[complaint.pk])).status_code == 200


def test_photo_is_served_only_in_scope(cast, kefu, login, api, media):
    complaint = make(cast, kefu, photos=[SimpleUploadedFile("a.jpg", jpeg_bytes(),
                                                            "image/jpeg")])
    photo = complaint.photos.get()
    assert not photo.image.name.startswith("/") and "complaints/" in photo.image.name
    url = photo.url
    response = login(cast.alice).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert login(cast.charlie).get(url).status_code == 404
    assert api(kefu).get(url).status_code == 200
    assert api().get(url, HTTP_ACCEPT="application/json").status_code == 401
    assert not any(p.pattern.regex.pattern.startswith("^media") for p in
                   __import__("outletcrm.urls", fromlist=["urlpatterns"]).urlpatterns
                   if hasattr(p, "pattern"))


def test_a_non_image_is_refused_and_nothing_is_written(cast, api, media):
    complaint = make(cast)
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", "image/jpeg")
    response = api(cast.alice).post(f"/api/v1/complaints/{complaint.pk}/photos/",
                                    {"image": fake}, format="multipart")
    assert response.status_code == 400
    assert complaint.photos.count() == 0


def test_customer_service_logs_on_the_page_and_the_rep_resolves_on_the_phone(cast, kefu, login):
    client = login(kefu)
    page = client.get(reverse("complaints:pick_customer"), {"q": "联华"})
    assert cast.alice_customer.name in page.content.decode()
    response = client.post(reverse("complaints:create", args=[cast.alice_customer.pk]), {
        "channel": "hotline", "category": "delivery", "severity": "high",
        "description": "送货少了两箱"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and complaint.assignee == cast.alice
    phone = login(cast.alice)
    listing = phone.get(reverse("mobile-complaints:list")).content.decode()
    assert complaint.code in listing
    response = phone.post(reverse("mobile-complaints:detail", args=[complaint.pk]), {
        "action": "resolve", "resolve-resolution_type": "fixed", "resolve-note": "补送两箱"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.first_response_at is not None


def test_htmx_action_returns_the_body_and_bad_input_writes_nothing(cast, login):
    complaint = make(cast)
    client = login(cast.alice)
    url = reverse("complaints:action", args=[complaint.pk, "commit"])
    bad = client.post(url, {"commit-date": "1999-01-01"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and 'id="complaint-body"' in bad.content.decode()
    complaint.refresh_from_db()
    assert complaint.committed_date is None
    good = client.post(url, {"commit-date": (timezone.localdate() + datetime.timedelta(days=2))
                             .isoformat()}, HTTP_HX_REQUEST="true")
    assert 'data-testid="done"' in good.content.decode()
    assert client.post(reverse("complaints:action", args=[complaint.pk, "close"]),
                       {}).status_code == 403  # not resolved yet
    assert client.post(reverse("complaints:action", args=[complaint.pk, "explode"]),
                       {}).status_code in (403, 404)


def test_api_covers_the_life_of_a_complaint(cast, kefu, api):
    client = api(kefu)
    created = client.post("/api/v1/complaints/", {
        "customer": cast.alice_customer.pk, "category": "service", "severity": "urgent",
        "description": "业务员态度差"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["channel"] == "api" and created.json()["assignee_username"] == "alice"
    rep = api(cast.alice)
    assert rep.post(f"/api/v1/complaints/{pk}/respond/", {"text": "已致歉"},
                    format="json").status_code == 200
    assert rep.post(f"/api/v1/complaints/{pk}/notes/", {"text": "主管已知悉"},
                    format="json").status_code == 200
    assert rep.post(f"/api/v1/complaints/{pk}/resolve/", {"resolution_type": "bogus",
                                                         "note": "x"},
                    format="json").status_code == 400
    assert rep.post(f"/api/v1/complaints/{pk}/resolve/", {"resolution_type": "explained",
                                                         "note": "道歉并调换业务员"},
                    format="json").status_code == 200
    assert client.post(f"/api/v1/complaints/{pk}/close/", {}, format="json").status_code == 200
    assert FollowUpTask.objects.filter(kind="complaint_satisfaction", rep=cast.alice).count() == 1
    assert client.post(f"/api/v1/complaints/{pk}/satisfaction/", {"score": 4},
                       format="json").status_code == 200
    reopened = client.post(f"/api/v1/complaints/{pk}/reopen/", {"reason": "又来投诉"},
                           format="json")
    assert reopened.json()["status"] == "reopened"
    assert [e["kind"] for e in reopened.json()["events"]][-1] == "reopen"
    assert client.post("/api/v1/complaints/", {"customer": 2**70, "category": "service",
                                               "description": "x"},
                       format="json").status_code == 400
    assert client.post("/api/v1/complaints/", {"customer": cast.alice_customer.pk,
                                               "category": "service", "description": "x",
                                               "ownr": 1}, format="json").status_code == 400


def test_service_targets_api(cast, api):
    listed = api(cast.alice).get("/api/v1/service-targets/").json()
    urgent = next(t for t in listed if t["severity"] == "urgent")
    assert (urgent["respond_minutes"], urgent["resolve_minutes"]) == (30, 120)
    url = f"/api/v1/service-targets/{urgent['id']}/"
    assert api(cast.sup).patch(url, {"respond_minutes": 20}, format="json").status_code == 403
    assert api(cast.admin).patch(url, {"respond_minutes": 20}, format="json").json()[
        "respond_minutes"] == 20


def test_list_and_report_queries_are_bounded(cast, kefu, login, django_assert_max_num_queries):
    for customer in (cast.alice_customer, cast.bob_customer, cast.charlie_customer):
        for _ in range(4):
            make(cast, kefu, customer)
    client = login(kefu)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("complaints:list")).status_code == 200
    for _ in range(10):
        make(cast, kefu)
    with CaptureQueriesContext(connection) as more:
        assert client.get(reverse("complaints:list")).status_code == 200
    assert len(more) == len(few) <= 12
    # Logging in (sessions, audit) is not the page's cost: log in first.
    supervisor = login(cast.sup)
    with django_assert_max_num_queries(12):
        assert supervisor.get(reverse("complaints:report")).status_code == 200
    rep = login(cast.alice)
    assert rep.get(reverse("complaints:report")).status_code == 403
    with django_assert_max_num_queries(12):
        assert rep.get(reverse("mobile-complaints:list")).status_code == 200


def test_list_filters(cast, kefu, login):
    make(cast, kefu, severity="low")
    urgent = make(cast, kefu, severity="urgent")
    client = login(kefu)
    page = client.get(reverse("complaints:list"), {"severity": "urgent"}).content.decode()
    assert page.count("data-complaint=") == 1 and urgent.code in page
    assert client.get(reverse("complaints:list"), {"soon": "on"}).status_code == 200
    assert client.get(reverse("complaints:list"), {"status": "nonsense", "page": "x"}
                      ).status_code == 200


def test_cli_lists_in_scope(cast, kefu):
    import io

    from django.core.management import call_command

    make(cast), make(cast, cast.charlie, cast.charlie_customer)
    out = io.StringIO()
    call_command("complaints", "--as", "alice", "--open", stdout=out)
    assert "1 complaint(s)" in out.getvalue() and cast.alice_customer.name in out.getvalue()
    out = io.StringIO()
    call_command("complaints", "--as", "kefu", "--format", "json", stdout=out)
    assert len(__import__("json").loads(out.getvalue())) == 2
    out = io.StringIO()
    call_command("complaints", "--as", "alice", "--breached", stdout=out)
    assert "0 complaint(s)" in out.getvalue()

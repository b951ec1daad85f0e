"""Large imports run in the background with a progress bar; the result is the inline one's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from outletcrm.core.models import AuditEvent
from outletcrm.customers import import_jobs
from outletcrm.customers.models import Customer, ImportJob
from tests.customers.test_importexport import row, sheet_rows, xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def background(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_INLINE_ROWS = 2  # anything larger goes to the background


def upload(client, data, skip_invalid=False):
    body = {"file": SimpleUploadedFile("大文件.xlsx", data, content_type=XLSX)}
    if skip_invalid:
        body["skip_invalid"] = "on"
    return client.post(reverse("customers:import"), body)


def test_a_large_file_runs_as_a_job_and_shows_the_same_result(login, cast):
    client = login(cast.alice)
    response = upload(client, xlsx([row(name="甲店"), row(name="乙店"), row(name="丙店")]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:import-job", args=[job.pk])
    assert (job.status, job.progress, job.stage) == ("done", 1.0, "writing")
    assert not job.upload  # the uploaded file is gone once read
    page = client.get(response["Location"])
    assert page.context["result"].created_count == 3 and "import-summary" in page.content.decode()
    assert Customer.objects.filter(name__in=["甲店", "乙店", "丙店"], owner=cast.alice).count() == 3
    assert AuditEvent.objects.get(action="import").row_count == 3


def test_a_small_file_still_answers_with_the_upload(login, cast):
    response = upload(login(cast.alice), xlsx([row(), row()]))
    assert response.status_code == 200 and response.context["result"].created_count == 2
    assert not ImportJob.objects.exists()


def test_rejected_rows_of_a_job_download_for_its_owner_only(login, cast):
    client = login(cast.alice)
    response = upload(client, xlsx([row(), row(staff_count="lots"), row()]), skip_invalid=True)
    page = client.get(response["Location"])
    token = page.context["rejected_token"]
    download = client.get(reverse("customers:import-rejected", args=[token]))
    rejected = sheet_rows(b"".join(download.streaming_content))
    assert len(rejected) == 2 and "员工人数" in rejected[1][-1]
    bob = Client()
    bob.force_login(cast.bob)
    assert bob.get(response["Location"]).status_code == 404
    assert bob.get(reverse("customers:import-rejected", args=[token])).status_code == 404


def test_an_all_or_nothing_job_with_a_bad_row_imports_nothing(login, cast):
    client = login(cast.alice)
    before = Customer.objects.count()
    response = upload(client, xlsx([row(), row(contact_name="张三", contact_mobile="123"), row()]))
    page = client.get(response["Location"]).content.decode()
    assert Customer.objects.count() == before
    assert "不是有效的中国大陆手机号" in page and "<td>3</td>" in page


def test_the_bar_polls_while_the_job_runs_and_reloads_the_page_when_done(login, cast):
    client = login(cast.alice)
    job = ImportJob.objects.create(created_by=cast.alice, filename="大文件.xlsx",
                                   status=ImportJob.Status.RUNNING, stage="checking",
                                   progress=0.42)
    page = client.get(reverse("customers:import-job", args=[job.pk])).content.decode()
    status_url = reverse("customers:import-job-status", args=[job.pk])
    assert f'hx-get="{status_url}"' in page and 'data-width="42"' in page
    assert "<script>" not in page and "style=" not in page
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment and 'data-status="running"' in fragment.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error="坏文件")
    fragment = client.get(status_url, HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    page = client.get(reverse("customers:import-job", args=[job.pk])).content.decode()
    assert "坏文件" in page and status_url not in page


def test_a_file_that_fails_in_the_job_reports_why_and_writes_nothing(login, cast, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs.importexport, "import_customers", boom)
    client = login(cast.alice)
    before = Customer.objects.count()
    response = upload(client, xlsx([row(), row(), row()]))
    job = ImportJob.objects.get()
    assert job.status == "failed" and "disk" not in job.error
    page = client.get(response["Location"]).content.decode()
    assert "导入意外失败" in page or "failed unexpectedly" in page
    assert Customer.objects.count() == before and not job.upload


def test_a_job_runs_once_even_if_queued_twice(cast):
    job = ImportJob.objects.create(created_by=cast.alice, filename="x.xlsx",
                                   status=ImportJob.Status.DONE)
    assert import_jobs.import_job_run(job_id=job.pk) == "skipped"

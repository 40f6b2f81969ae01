"""The import API: the wizard over JSON, and the bulk endpoint for integrations."""

from peyvand.imports.models import ImportJob, ImportStatus

from .conftest import DATA


def test_upload_map_preview_run_and_status_over_the_api(
    admin_user, admin_api, people, client, django_capture_on_commit_callbacks
):
    with open(DATA / "excel_bom_semicolon.csv", "rb") as fh:
        response = client.post(
            "/api/v1/imports/jobs", {"file": fh, "target": people.code}, headers=admin_api.headers
        )
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["delimiter"] == ";" and job["mapping"]["موبایل"] == "phone"

    response = admin_api.put(
        f"/api/v1/imports/jobs/{job['id']}/mapping",
        {"target": people.code, "mapping": job["mapping"], "mode": "skip"},
    )
    assert response.status_code == 200, response.content
    preview = admin_api.get(f"/api/v1/imports/jobs/{job['id']}/preview").json()
    assert preview[0]["values"]["Joined"] == "۱۴۰۳/۰۵/۱۲"
    assert preview[3]["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_api.post(f"/api/v1/imports/jobs/{job['id']}/run")
    assert response.status_code == 200
    status = admin_api.get(f"/api/v1/imports/jobs/{job['id']}").json()
    assert (status["status"], status["created"], status["failed"]) == ("done", 3, 2)
    report = admin_api.get(f"/api/v1/imports/jobs/{job['id']}/errors")
    assert report.status_code == 200
    assert (
        admin_api.post(f"/api/v1/imports/jobs/{job['id']}/undo").json()["status"]
        == ImportStatus.UNDONE
    )


def test_bad_mapping_is_a_422_with_field_errors(admin_api, admin_user, people):
    from peyvand.imports import services

    from .conftest import upload

    job = services.create_job(admin_user, upload("tab.tsv"))
    response = admin_api.put(
        f"/api/v1/imports/jobs/{job.pk}/mapping",
        {"target": people.code, "mapping": {"mobile": "phone"}},
    )
    assert response.status_code == 422
    assert response.json()["errors"]["mapping"]


def test_bulk_endpoint_upserts_by_external_id_and_is_idempotent(admin_api, people):
    rows = [
        {"external_id": "crm-1", "first_name": "آرش", "phone": "۰۹۱۲۱۲۳۰۰۹۹"},
        {"external_id": "crm-2", "first_name": "Bad", "phone": "123"},
        {
            "external_id": "crm-3",
            "first_name": "Neda",
            "email": "NEDA@example.com",
            "colour": "blue",
        },
    ]
    body = admin_api.post(
        f"/api/v1/imports/{people.code}/bulk", {"rows": rows, "source": "shop"}
    ).json()
    assert (body["created"], body["failed"]) == (2, 1)
    assert body["results"][1]["errors"]["phone"]
    assert body["results"][2]["warnings"]
    again = admin_api.post(
        f"/api/v1/imports/{people.code}/bulk", {"rows": rows, "source": "shop"}
    ).json()
    assert again["created"] == 0
    assert [r["id"] for r in again["results"]] == [r["id"] for r in body["results"]]
    rows[0]["first_name"] = "آرش‌جان"
    third = admin_api.post(
        f"/api/v1/imports/{people.code}/bulk", {"rows": rows[:1], "source": "shop"}
    ).json()
    assert third["results"][0]["status"] == "updated"


def test_bulk_limits_and_permissions(admin_api, rep_api, people):
    too_many = [{"first_name": "x", "phone": "09121230000"}] * 1001
    assert (
        admin_api.post(f"/api/v1/imports/{people.code}/bulk", {"rows": too_many}).status_code == 422
    )
    assert admin_api.post("/api/v1/imports/nothing/bulk", {"rows": [{}]}).status_code == 404
    assert (
        rep_api.post(
            f"/api/v1/imports/{people.code}/bulk", {"rows": [{"first_name": "x"}]}
        ).status_code
        == 403
    )
    assert ImportJob.objects.count() == 0

"""Only administrators (settings.export) start and download a full-account export; it runs in
the background and leaves a ZIP on the Exports page."""

import io
import json
import zipfile

import pytest
from django.urls import reverse

from peyvand.accounts.models import Notification
from peyvand.exports.models import ExportFile

pytestmark = pytest.mark.django_db


def test_administrator_exports_the_account_in_the_background(admin_client, admin_user):
    page = admin_client.get(reverse("exports:list"))
    assert reverse("exports:account") in page.content.decode()
    response = admin_client.post(reverse("exports:account"))
    assert response.status_code == 302
    export = ExportFile.objects.get(user=admin_user, kind=ExportFile.Kind.ACCOUNT)
    assert export.status == ExportFile.Status.DONE
    assert Notification.objects.filter(user=admin_user, url=reverse("exports:list")).exists()
    download = admin_client.get(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert any(m["model"] == "accounts.user" and m["count"] == 1 for m in manifest["models"])


def test_others_cannot_export_the_account(rep_client, rep):
    page = rep_client.get(reverse("exports:list"))
    assert page.status_code == 200
    assert reverse("exports:account") not in page.content.decode()
    assert rep_client.post(reverse("exports:account")).status_code == 403
    assert not ExportFile.objects.exists()

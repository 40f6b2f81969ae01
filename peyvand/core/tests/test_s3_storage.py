"""Uploads on S3-compatible storage (STORAGE_BACKEND=s3): stored in a private bucket, served
only through the permission-checked views, streamed from the bucket. S3 is moto's in-process
fake of the S3 API, so the real django-storages and boto3 code runs."""

import runpy

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from peyvand import settings as project_settings
from peyvand.timeline import services
from peyvand.timeline.tests.factories import ContactFactory, wav_bytes, wav_upload

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

pytestmark = pytest.mark.django_db
BUCKET = "peyvand-media-test"


@pytest.fixture
def s3_settings(monkeypatch):
    """settings.py evaluated again with the S3 environment a deployment would set."""
    for name, value in {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": BUCKET,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
    }.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(project_settings.__file__)


@pytest.fixture
def bucket(s3_settings, settings):
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {**settings.STORAGES, "default": s3_settings["STORAGES"]["default"]}
        yield client


def test_s3_settings_keep_uploads_private_and_prefixed(s3_settings):
    media = s3_settings["STORAGES"]["default"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    assert media["OPTIONS"]["bucket_name"] == BUCKET
    assert media["OPTIONS"]["default_acl"] == "private"
    assert media["OPTIONS"]["querystring_auth"] is True
    assert media["OPTIONS"]["location"] == "media"


def test_a_recording_is_stored_in_the_bucket_and_streamed_through_the_view(
    bucket, rep, rep_client, client
):
    entry = services.log_call(
        contact=ContactFactory(owner=rep),
        author=rep,
        direction="inbound",
        duration_seconds=12,
        outcome="answered",
        recording=wav_upload("call.wav"),
    )
    keys = [o["Key"] for o in bucket.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [f"media/{entry.recording.name}"]
    assert not (django_settings.MEDIA_ROOT / entry.recording.name).exists()
    # A direct link to the object is signed and short-lived, never public.
    assert "Signature" in entry.recording.url

    url = reverse("timeline:recording", args=[entry.pk])
    response = rep_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == wav_bytes()

    partial = rep_client.get(url, HTTP_RANGE="bytes=0-3")
    assert partial.status_code == 206
    assert b"".join(partial.streaming_content) == wav_bytes()[:4]

    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page

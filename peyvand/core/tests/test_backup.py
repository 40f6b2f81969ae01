"""`manage.py backup` / `restore`: a round trip brings back every record of every model and
every uploaded file, byte for byte, on the engine the suite runs on (SQLite, PostgreSQL in CI)."""

import tarfile
from io import StringIO

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from peyvand.contacts.models import Contact
from peyvand.core.backup import BackupError, restore_backup, stored_files

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def every_record() -> dict[str, str]:
    """Each model's rows in primary-key order, serialised: equal dicts mean equal data."""
    return {
        model._meta.label: serializers.serialize("json", model._base_manager.order_by("pk"))
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def every_file() -> dict[str, bytes]:
    return {name: default_storage.open(name).read() for name in stored_files()}


@pytest.fixture
def populated():
    call_command("load_demo_data", "--contacts", "12", stdout=StringIO())
    default_storage.save("recordings/2026/11/call.ogg", ContentFile(b"OggS\x00fake audio"))
    default_storage.save("attachments/ticket/نامه.pdf", ContentFile(b"%PDF-1.4 letter"))


def test_restore_brings_back_every_record_and_file(populated, tmp_path):
    records, files = every_record(), every_file()
    archive = tmp_path / "backup.tar.gz"
    out = StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "2 files" in out.getvalue()

    # Work continues after the backup: a deletion, a new record, a new and a removed file.
    Contact.objects.order_by("pk").first().delete()
    Contact.objects.create(last_name="بعد از پشتیبان")
    default_storage.save("recordings/later.ogg", ContentFile(b"OggS later"))
    default_storage.delete("recordings/2026/11/call.ogg")
    assert every_record() != records

    call_command("restore", str(archive), "--yes", stdout=StringIO())

    assert every_record() == records
    assert every_file() == files


def test_archive_holds_a_manifest_the_database_and_the_files(populated, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    with tarfile.open(archive) as packed:
        names = packed.getnames()
    assert "manifest.json" in names
    assert {"database.sqlite3", "database.pgdump"} & set(names)
    assert "media/attachments/ticket/نامه.pdf" in names
    assert not (tmp_path / "backup.tar.gz.partial").exists()


def test_a_file_that_is_not_a_backup_is_refused_and_nothing_changes(populated, tmp_path):
    records = every_record()
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="not a Peyvand backup"):
        call_command("restore", str(bogus), "--yes", stdout=StringIO())
    assert every_record() == records


def test_a_backup_of_the_other_engine_is_refused(populated, tmp_path):
    import io
    import json

    archive = tmp_path / "other.tar.gz"
    manifest = {"format": 1, "engine": "oracle", "created_at": "2026-01-01", "files": []}
    with tarfile.open(archive, "w:gz") as packed:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        packed.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="export_account"):
        restore_backup(archive)


def test_restore_asks_before_replacing_everything(populated, tmp_path, monkeypatch):
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive), stdout=StringIO())
    Contact.objects.create(last_name="نگه داشته شود")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore", str(archive), stdout=StringIO())
    assert Contact.objects.filter(last_name="نگه داشته شود").exists()

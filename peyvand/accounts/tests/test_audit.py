import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from peyvand.accounts.models import Team, User
from peyvand.accounts.services import attribute_changes_to
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def entries_for(model, pk):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk)
    ).order_by("-id")


def test_api_changes_record_the_token_user_as_actor(rep_api, rep):
    response = rep_api.patch("/api/v1/accounts/me", {"first_name": "Sara", "language": "en"})
    assert response.status_code == 200
    entry = entries_for(User, rep.pk).first()
    assert entry is not None
    assert entry.actor == rep
    assert entry.actor_email == rep.email
    assert "language" in entry.changes_dict


def test_page_changes_record_the_signed_in_user(admin_client, admin_user):
    admin_client.post(
        reverse("accounts:settings_team_create"), {"name": "Support", "department": "service"}
    )
    team = Team.objects.get(name="Support")
    assert entries_for(Team, team.pk).get().actor == admin_user


def test_password_hashes_are_never_written_to_the_audit_log(admin_client):
    user = UserFactory()
    user.set_password("An0ther-passphrase")
    user.save()
    for entry in entries_for(User, user.pk):
        assert "password" not in entry.changes_dict


def test_attributing_outside_a_request_is_harmless():
    user = UserFactory()
    attribute_changes_to(user)
    team = Team.objects.create(name="Ops")
    assert entries_for(Team, team.pk).get().actor is None

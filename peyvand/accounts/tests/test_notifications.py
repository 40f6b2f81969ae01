from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from peyvand.accounts.models import Notification
from peyvand.accounts.services import notify
from peyvand.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara(client):
    user = UserFactory(username="sara")
    client.force_login(user)
    return user


def make(user, text, *, minutes_ago, read=False):
    now = timezone.now()
    return Notification.objects.create(
        user=user,
        text=text,
        url="/tasks/1/",
        created_at=now - timedelta(minutes=minutes_ago),
        read_at=now if read else None,
    )


def test_page_lists_unread_first_then_newest(client, sara):
    make(sara, "old unread", minutes_ago=50)
    make(sara, "new read", minutes_ago=1, read=True)
    make(sara, "new unread", minutes_ago=5)
    make(UserFactory(), "someone else's", minutes_ago=1)
    response = client.get(reverse("accounts:notifications"))
    texts = [n.text for n in response.context["page"].items]
    assert texts == ["new unread", "old unread", "new read"]
    assert "someone else's" not in response.content.decode()


def test_page_is_paginated_across_the_read_boundary(client, sara):
    from peyvand.accounts.selectors import notifications_page

    for i in range(4):
        make(sara, f"unread {i}", minutes_ago=i)
        make(sara, f"read {i}", minutes_ago=i, read=True)
    first = notifications_page(sara, cursor=None, limit=5)
    second = notifications_page(sara, cursor=first.next_cursor, limit=5)
    texts = [n.text for n in first.items + second.items]
    assert texts == [f"unread {i}" for i in range(4)] + [f"read {i}" for i in range(4)]


def test_mark_one_as_read(client, sara):
    one = make(sara, "one", minutes_ago=1)
    two = make(sara, "two", minutes_ago=2)
    response = client.post(reverse("accounts:notifications_read"), {"id": one.pk})
    assert response.status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None and two.read_at is None


def test_mark_all_as_read_leaves_other_users_alone(client, sara):
    make(sara, "one", minutes_ago=1)
    theirs = make(UserFactory(), "theirs", minutes_ago=1)
    client.post(reverse("accounts:notifications_read"), {"id": theirs.pk})
    client.post(reverse("accounts:notifications_read"))
    assert not Notification.objects.filter(user=sara, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(client, sara):
    assert client.get(reverse("accounts:notifications_read")).status_code == 405


def test_count_fragment_shows_a_badge_only_with_unread(client, sara):
    url = reverse("accounts:notification_count")
    assert "badge-count" not in client.get(url).content.decode()
    make(sara, "a", minutes_ago=1)
    make(sara, "b", minutes_ago=1)
    html = client.get(url).content.decode()
    assert 'class="badge-count"' in html and "۲" in html


def test_count_fragment_caps_the_number(client, sara):
    Notification.objects.bulk_create(Notification(user=sara, text=str(i)) for i in range(120))
    assert "۹۹+" in client.get(reverse("accounts:notification_count")).content.decode()


def test_count_fragment_for_an_expired_session_swaps_nothing(client):
    assert client.get(reverse("accounts:notification_count")).status_code == 204


def test_empty_inbox_has_a_friendly_message(client, sara):
    assert "اعلانی ندارید" in client.get(reverse("accounts:notifications")).content.decode()


def test_notify_with_a_dedupe_key_delivers_once():
    user = UserFactory()
    assert notify(user, "Call Ali", dedupe_key="task:1:reminder") is not None
    assert notify(user, "Call Ali", dedupe_key="task:1:reminder") is None
    assert Notification.objects.filter(user=user).count() == 1

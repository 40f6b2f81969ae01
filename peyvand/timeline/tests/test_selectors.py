from datetime import timedelta

import pytest
from django.utils import timezone

from peyvand.accounts.permissions import CONTACTS, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import UserFactory
from peyvand.contacts.models import Membership
from peyvand.core.pagination import InvalidCursor
from peyvand.timeline.selectors import timeline_for

from .factories import CompanyFactory, ContactFactory, TimelineEntryFactory

pytestmark = pytest.mark.django_db


def test_pages_follow_newest_first_with_ties_broken_by_id(rep):
    contact = ContactFactory()
    now = timezone.now()
    same_time = [TimelineEntryFactory(contact=contact, occurred_at=now) for _ in range(3)]
    older = TimelineEntryFactory(contact=contact, occurred_at=now - timedelta(days=1))
    newest = TimelineEntryFactory(contact=contact, occurred_at=now + timedelta(minutes=1))
    seen, cursor = [], None
    while True:
        page = timeline_for(contact, rep, cursor=cursor, limit=2)
        seen += page.items
        if not page.has_next:
            break
        cursor = page.next_cursor
    expected = [newest, *sorted(same_time, key=lambda e: -e.pk), older]
    assert [e.pk for e in seen] == [e.pk for e in expected]


def test_kinds_filter(rep):
    contact = ContactFactory()
    call = TimelineEntryFactory(contact=contact, kind="call")
    TimelineEntryFactory(contact=contact, kind="note")
    assert timeline_for(contact, rep, kinds=["call"]).items == [call]


def test_other_records_entries_are_not_on_the_timeline(rep):
    contact = ContactFactory()
    TimelineEntryFactory(contact=ContactFactory())
    assert timeline_for(contact, rep).items == []


def test_a_company_timeline_includes_its_peoples_interactions(rep):
    company = CompanyFactory()
    person = ContactFactory()
    Membership.objects.create(contact=person, company=company)
    with_person = TimelineEntryFactory(contact=person)
    with_company = TimelineEntryFactory(contact=None, company=company)
    TimelineEntryFactory(contact=ContactFactory())
    assert {e.pk for e in timeline_for(company, rep).items} == {with_person.pk, with_company.pk}


def test_entries_follow_the_visibility_of_their_contact(rep):
    set_module_sharing(CONTACTS, SHARE_TEAM)
    others = ContactFactory(owner=UserFactory(username="other-rep"))
    TimelineEntryFactory(contact=others)
    assert timeline_for(others, rep).items == []
    mine = ContactFactory(owner=rep)
    entry = TimelineEntryFactory(contact=mine)
    assert timeline_for(mine, rep).items == [entry]


def test_no_timeline_permission_sees_nothing(no_role_user):
    contact = ContactFactory()
    TimelineEntryFactory(contact=contact)
    assert timeline_for(contact, no_role_user).items == []


def test_a_page_is_one_query_whatever_its_size(rep, django_assert_max_num_queries):
    contact = ContactFactory()
    for _ in range(40):
        TimelineEntryFactory(contact=contact, author=rep)
    rep.role  # noqa: B018 - the role is read once per request, not per page
    timeline_for(contact, rep)  # warms the sharing-scope cache
    with django_assert_max_num_queries(1):
        page = timeline_for(contact, rep, limit=30)
        assert [str(e.author) for e in page.items]


def test_a_broken_cursor_raises_invalid_cursor(rep):
    with pytest.raises(InvalidCursor):
        timeline_for(ContactFactory(), rep, cursor="not-a-cursor")

"""The contacts and companies import targets: cleaning like the forms, set-based batch writes,
duplicate modes, idempotent re-imports by external id, and undo."""

import datetime as dt

import pytest
from django.db import connection, transaction

from peyvand.accounts.tests.factories import TeamFactory
from peyvand.contacts.import_target import CompanyTarget, ContactTarget
from peyvand.contacts.models import Address, Company, Contact, Email, Membership, Phone, Tag
from peyvand.core.national_ids import generate_company_national_id, generate_national_id
from peyvand.imports.registry import (
    CREATE,
    CREATED,
    FILL,
    OVERWRITE,
    SKIP,
    SKIPPED,
    UPDATED,
    ImportRow,
    JobContext,
    get_target,
)
from peyvand.search.models import SearchEntry
from peyvand.search.selectors import search
from peyvand.timeline.models import TimelineEntry

from .factories import ContactFactory, PhoneFactory

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def user(admin_user):
    admin_user.team = TeamFactory(name="فروش")
    admin_user.save()
    return admin_user


def nid(n: int) -> str:
    return generate_national_id(f"{100000000 + n:09d}")


def mobile(n: int) -> str:
    return f"0912{1000000 + n:07d}"


def e164(n: int) -> str:
    return f"+98912{1000000 + n:07d}"


def run(target, raw_rows, user, mode=SKIP, source="old-crm", first_number=2, prepare=False):
    """Clean every row (and `prepare` it, as the engine's cleaning does), write the good ones
    as one batch; returns (outcomes, errors by row)."""
    rows, errors = [], {}
    for number, raw in enumerate(raw_rows, start=first_number):
        cleaned = target.clean_row(raw)
        if cleaned.ok and prepare:
            target.prepare(cleaned)
        if cleaned.ok:
            rows.append(ImportRow(number, cleaned.values))
        else:
            errors[number] = cleaned.errors
    context = JobContext(user=user, source=source, mode=mode)
    with transaction.atomic():
        outcomes = target.write_batch(rows, job_context=context, mode=mode)
    assert len(outcomes) == len(rows)
    return outcomes, errors


def person(n: int, **extra) -> dict:
    return {"first_name": "علی", "last_name": f"رضایی {n}", "mobile": mobile(n), **extra}


# --- cleaning ----------------------------------------------------------------------------------


def test_targets_are_registered_in_the_imports_registry():
    assert isinstance(get_target("contacts"), ContactTarget)
    assert isinstance(get_target("companies"), CompanyTarget)


def test_clean_row_normalises_digits_arabic_letters_email_and_jalali_birthday():
    row = ContactTarget().clean_row(
        {
            "first_name": " علي ",
            "last_name": "كريمي",
            "mobile": "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "phone": "٠٢١-٨٨٧٧٦٦٥٥",
            "email": "Ali.Karimi@Example.IR",
            "national_id": nid(1).translate(ARABIC),
            "birthday": "۱۳۶۵/۰۴/۱۲",
            "postal_code": "۱۲۳۴۵-۶۷۸۹۰",
            "city": "تهران",
            "tags": "مشتري، VIP, مشتري",
            "gender": "زن",
        }
    )
    assert row.ok, row.errors
    v = row.values
    assert (v["first_name"], v["last_name"]) == ("علی", "کریمی")
    assert v["phones"] == [["+989121234567", "mobile"], ["+982188776655", "work"]]
    assert v["emails"] == ["ali.karimi@example.ir"]
    assert v["national_id"] == nid(1)
    assert v["birthday"] == dt.date(1986, 7, 3)
    assert v["address"] == ["", "تهران", "", "1234567890"]
    assert v["tags"] == ["مشتری", "VIP"]
    assert v["gender"] == "female"


def test_clean_row_accepts_gregorian_birthday_and_full_name_column():
    row = ContactTarget().clean_row({"full_name": "سارا  احمدی نژاد", "birthday": "1990-02-03"})
    assert row.ok, row.errors
    assert row.values["first_name"] == "سارا"
    assert row.values["last_name"] == "احمدی نژاد"
    assert row.values["birthday"] == dt.date(1990, 2, 3)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("national_id", "1234567890"),
        ("mobile", "۱۲۳"),
        ("email", "ali@"),
        ("birthday", "1403/13/40"),
        ("postal_code", "12345"),
        ("gender", "نامعلوم"),
        ("email", "a" * 64 + "@" + ("b" * 62 + ".") * 3 + "ir"),  # valid but > 254 chars
    ],
)
def test_invalid_value_is_a_row_error_on_its_column(column, value):
    row = ContactTarget().clean_row({"last_name": "رضایی", column: value})
    assert not row.ok
    assert column in row.errors


def test_last_name_is_required_like_the_form():
    row = ContactTarget().clean_row({"first_name": "علی", "mobile": mobile(1)})
    assert "last_name" in row.errors


def test_a_bad_row_never_stops_the_good_ones(user):
    outcomes, errors = run(
        ContactTarget(),
        [person(1), person(2, national_id="1234567890"), person(3)],
        user,
    )
    assert list(errors) == [3]
    assert [o.action for o in outcomes] == [CREATED, CREATED]
    assert Contact.objects.count() == 2
    assert not Phone.objects.filter(number=e164(2)).exists()


# --- writing -----------------------------------------------------------------------------------


def test_import_creates_contact_children_company_membership_and_search_entry(user):
    outcomes, _ = run(
        ContactTarget(),
        [
            person(
                1,
                phone="02188776655",
                email="ali@example.ir",
                national_id=nid(1),
                province="تهران",
                city="تهران",
                address="خیابان ولیعصر",
                tags="مشتری، VIP",
                company="شرکت پیوند",
                job_title="مدیر فروش",
            )
        ],
        user,
    )
    contact = Contact.objects.get(pk=outcomes[0].object_id)
    assert contact.owner == user and contact.team_id == user.team_id
    assert contact.source == "import"
    assert contact.primary_phone == e164(1)
    assert contact.primary_email == "ali@example.ir"
    assert (contact.province, contact.city) == ("تهران", "تهران")
    phones = {p.number: (p.kind, p.is_primary) for p in contact.phones.all()}
    assert phones == {e164(1): ("mobile", True), "+982188776655": ("work", False)}
    assert Email.objects.get(contact=contact).is_primary
    assert Address.objects.get(contact=contact).line == "خیابان ولیعصر"
    assert sorted(t.name for t in contact.tags.all()) == ["VIP", "مشتری"]
    membership = Membership.objects.get(contact=contact)
    assert (membership.company.name, membership.title) == ("شرکت پیوند", "مدیر فروش")
    entry = SearchEntry.objects.get(kind="contact", object_id=contact.pk)
    assert entry.title == "علی رضایی 1"
    assert "شرکت پیوند" in entry.subtitle
    assert [h.object_id for h in search(user, "09121000001") if h.kind == "contact"] == [contact.pk]
    assert SearchEntry.objects.filter(kind="company", object_id=membership.company_id).exists()


def _entries(kind):
    """Each entry with its terms as a set (a rebuild lists tags in the tags' own order)."""
    fields = ("object_id", "title", "subtitle", "url", "owner_id", "team_id", "terms")
    return sorted(
        (*entry[:-1], frozenset(entry[-1].split()))
        for entry in SearchEntry.objects.filter(kind=kind).values_list(*fields)
    )


@pytest.mark.parametrize(
    "target, kind, rows",
    [
        (
            ContactTarget(),
            "contact",
            [
                person(1, email="Ali@Example.ir", tags="مشتری، VIP", company="شركت پيوند"),
                person(2, phone="021-88776655", province="تهران", city="تهران", job_title="مدیر"),
                person(3, national_id=nid(3), first_name_latin="Ali", company="شرکت پیوند"),
                person(1, email="second@example.ir"),  # merges into row 1: built by the writer
            ],
        ),
        (
            CompanyTarget(),
            "company",
            [
                {"name": "شركت آلفا", "phone": "02188776655", "tags": "تأمین‌کننده", "city": "قم"},
                {"name": "بتا", "industry": "نرم‌افزار", "email": "info@beta.ir"},
            ],
        ),
    ],
)
def test_search_entries_prepared_while_cleaning_are_those_a_rebuild_writes(
    user, target, kind, rows
):
    from peyvand.search.services import rebuild_index

    run(target, rows, user, mode=FILL, prepare=True)
    imported = _entries(kind)
    assert imported
    rebuild_index([kind])
    assert _entries(kind) == imported


def test_company_column_creates_each_missing_company_once_per_file(user):
    target = ContactTarget()
    run(target, [person(1, company="شركت پيوند"), person(2, company="شرکت پیوند")], user)
    run(target, [person(3, company="شرکت پیوند")], user, first_number=4)
    company = Company.objects.get()
    assert company.people.count() == 3


def test_skip_mode_skips_rows_matching_an_existing_phone(user):
    existing = PhoneFactory(number=e164(1)).contact
    outcomes, _ = run(ContactTarget(), [person(1, national_id=nid(9)), person(2)], user)
    assert (outcomes[0].action, outcomes[0].object_id) == (SKIPPED, existing.pk)
    assert outcomes[1].action == CREATED
    existing.refresh_from_db()
    assert existing.national_id != nid(9)


def test_matches_by_email_national_id_and_persian_digit_phone(user):
    by_email = ContactFactory(national_id="")
    Email.objects.create(contact=by_email, address="x@example.ir")
    by_id = ContactFactory(national_id=nid(5))
    outcomes, _ = run(
        ContactTarget(),
        [
            {"last_name": "الف", "email": "X@Example.ir"},
            {"last_name": "ب", "national_id": nid(5).translate(PERSIAN)},
        ],
        user,
    )
    assert [(o.action, o.object_id) for o in outcomes] == [
        (SKIPPED, by_email.pk),
        (SKIPPED, by_id.pk),
    ]


def test_fill_mode_fills_only_empty_fields_and_returns_previous_values(user):
    existing = ContactFactory(job_title="", national_id="", first_name="قدیمی")
    PhoneFactory(contact=existing, number=e164(1), is_primary=True)
    outcomes, _ = run(
        ContactTarget(),
        [person(1, job_title="مدیر", national_id=nid(1), email="new@example.ir", tags="وفادار")],
        user,
        mode=FILL,
    )
    (outcome,) = outcomes
    assert (outcome.action, outcome.object_id) == (UPDATED, existing.pk)
    existing.refresh_from_db()
    assert existing.first_name == "قدیمی"  # not empty: kept
    assert (existing.job_title, existing.national_id) == ("مدیر", nid(1))
    assert existing.primary_email == "new@example.ir"
    assert outcome.previous["job_title"] == ""
    assert outcome.previous["national_id"] == ""
    assert "first_name" not in outcome.previous
    assert list(existing.emails.values_list("address", flat=True)) == ["new@example.ir"]
    assert list(existing.tags.values_list("name", flat=True)) == ["وفادار"]
    assert existing.phones.count() == 1


def test_overwrite_mode_replaces_non_empty_values(user):
    existing = ContactFactory(first_name="قدیمی", job_title="کارشناس")
    PhoneFactory(contact=existing, number=e164(1))
    outcomes, _ = run(ContactTarget(), [person(1, job_title="")], user, mode=OVERWRITE)
    existing.refresh_from_db()
    assert existing.first_name == "علی"
    assert existing.job_title == "کارشناس"  # empty cells never erase
    assert outcomes[0].previous["first_name"] == "قدیمی"


def test_create_mode_creates_despite_matching_phone(user):
    PhoneFactory(number=e164(1))
    outcomes, _ = run(ContactTarget(), [person(1)], user, mode=CREATE)
    assert outcomes[0].action == CREATED
    assert Phone.objects.filter(number=e164(1)).count() == 2


def test_duplicates_within_the_file_are_skipped_in_skip_mode(user):
    outcomes, _ = run(
        ContactTarget(),
        [person(1), {"last_name": "دوم", "mobile": mobile(1).translate(PERSIAN)}],
        user,
    )
    assert [o.action for o in outcomes] == [CREATED, SKIPPED]
    assert "2" in outcomes[1].message or "۲" in outcomes[1].message
    assert Contact.objects.count() == 1


def test_duplicates_within_the_file_are_merged_in_fill_mode(user):
    outcomes, _ = run(
        ContactTarget(),
        [
            person(1),
            {"last_name": "دیگر", "mobile": mobile(1), "email": "a@example.ir", "city": "شیراز"},
        ],
        user,
        mode=FILL,
    )
    assert [o.action for o in outcomes] == [CREATED, UPDATED]
    contact = Contact.objects.get()
    assert contact.last_name == "رضایی 1"
    assert contact.primary_email == "a@example.ir"
    assert contact.city == "شیراز"


def test_reimporting_the_same_file_with_external_ids_is_idempotent(user):
    rows = [person(1, external_id="C-1"), person(2, external_id="C-2", email="b@example.ir")]
    first, _ = run(ContactTarget(), rows, user, mode=FILL)
    assert [o.action for o in first] == [CREATED, CREATED]
    for mode in (FILL, OVERWRITE, SKIP, CREATE):
        again, _ = run(ContactTarget(), rows, user, mode=mode)
        assert [o.action for o in again] == [SKIPPED, SKIPPED], mode
        assert [o.object_id for o in again] == [o.object_id for o in first]
    assert Contact.objects.count() == 2
    assert Phone.objects.count() == 2


def test_without_a_source_external_ids_are_neither_matched_nor_stored(user):
    from peyvand.imports.models import ExternalReference

    run(ContactTarget(), [person(1, external_id="C-1")], user, source="")
    again, _ = run(ContactTarget(), [person(2, external_id="C-1")], user, source="")
    assert again[0].action == CREATED
    assert not ExternalReference.objects.exists()


def test_external_id_matches_even_when_phone_changed(user):
    first, _ = run(ContactTarget(), [person(1, external_id="C-1")], user)
    again, _ = run(ContactTarget(), [person(7, external_id="C-1")], user, mode=OVERWRITE)
    assert (again[0].action, again[0].object_id) == (UPDATED, first[0].object_id)
    assert Contact.objects.get().last_name == "رضایی 7"
    assert set(Phone.objects.values_list("number", flat=True)) == {e164(1), e164(7)}


def test_undo_deletes_created_records_and_restores_overwritten_fields(user):
    existing = ContactFactory(first_name="قدیمی", job_title="")
    PhoneFactory(contact=existing, number=e164(1))
    target = ContactTarget()
    outcomes, _ = run(
        target,
        [person(1, job_title="مدیر", email="e@example.ir"), person(2, company="شرکت تازه")],
        user,
        mode=OVERWRITE,
    )
    # As the engine stores them: ids of created records, previous values of updated ones.
    created = [o.object_id for o in outcomes if o.action == CREATED]
    restored = {o.object_id: o.previous for o in outcomes if o.action == UPDATED}
    related = [o.created_related for o in outcomes if o.created_related]
    assert related == [{"companies": [Company.objects.get(name="شرکت تازه").pk]}]
    assert target.blockers(created) == []
    with transaction.atomic():
        target.undo(created, restored)
        target.undo_related(related[0])
    assert list(Contact.objects.all()) == [existing]
    existing.refresh_from_db()
    assert (existing.first_name, existing.job_title) == ("قدیمی", "")
    assert not existing.emails.exists()
    assert existing.phones.count() == 1
    assert not Company.objects.exists()
    assert not SearchEntry.objects.filter(kind="contact", object_id__in=created).exists()
    assert SearchEntry.objects.get(kind="contact", object_id=existing.pk).title.startswith("قدیمی")


def test_undo_removes_only_the_companies_the_import_recorded_and_nobody_uses(user):
    # Made by an earlier import of the same user a moment before: not this import's to remove.
    earlier = Company.objects.create(name="شرکت قبلی", source="import", created_by=user)
    target = ContactTarget()
    outcomes, _ = run(
        target,
        [
            person(1, company="شرکت تازه"),
            person(2, company="شرکت دوم"),
            person(3, company="شرکت قبلی"),
        ],
        user,
    )
    (related,) = [o.created_related for o in outcomes if o.created_related]
    assert sorted(related["companies"]) == sorted(
        Company.objects.filter(name__in=["شرکت تازه", "شرکت دوم"]).values_list("pk", flat=True)
    )
    kept = Company.objects.get(name="شرکت دوم")
    Membership.objects.create(contact=ContactFactory(), company=kept)  # linked by hand since
    with transaction.atomic():
        target.undo([o.object_id for o in outcomes], {})
        target.undo_related(related)
    assert set(Company.objects.values_list("name", flat=True)) == {"شرکت قبلی", "شرکت دوم"}
    assert earlier.pk in Company.objects.values_list("pk", flat=True)
    assert not SearchEntry.objects.filter(kind="company", title="شرکت تازه").exists()


def test_blockers_name_records_created_since_the_import(user):
    target = ContactTarget()
    outcomes, _ = run(target, [person(1)], user)
    contact = Contact.objects.get(pk=outcomes[0].object_id)
    TimelineEntry.objects.create(kind="note", contact=contact, body="تماس گرفته شد")
    reasons = target.blockers([contact.pk])
    assert len(reasons) == 1
    assert "1" in reasons[0] or "۱" in reasons[0]


def test_query_count_per_batch_does_not_grow_with_batch_size(user, django_assert_max_num_queries):
    target = ContactTarget()

    def rows(start: int, count: int) -> list[dict]:
        return [
            person(
                n,
                email=f"p{n}@example.ir",
                national_id=nid(n),
                tags=f"مشتری {start}",
                company=f"شرکت {start} {n % 3}",
                city="تهران",
                external_id=f"X{n}",
            )
            for n in range(start, start + count)
        ]

    def lookups(queries) -> int:
        return sum(1 for q in queries if q["sql"].startswith("SELECT"))

    # New rows, then the same people again with changes (updates); a small and a large batch.
    # SQLite: Django splits bulk INSERT/UPDATE into statements of at most 999 parameters, so
    # only the lookups are compared there; PostgreSQL writes each table in one statement.
    counts = {}
    for mode, change in ((SKIP, ""), (OVERWRITE, "مدیر")):
        for size, offset in ((5, 0), (400, 1000)):
            batch = [{**r, "job_title": change} for r in rows(offset, size)]
            limit = 30 if connection.vendor == "postgresql" or size == 5 else 60
            with django_assert_max_num_queries(limit) as captured:
                outcomes, _ = run(target, batch, user, mode=mode)
            assert {o.action for o in outcomes} == {CREATED if mode == SKIP else UPDATED}
            counts[mode, size] = (lookups(captured.captured_queries), len(captured))
    for mode in (SKIP, OVERWRITE):
        assert counts[mode, 5][0] == counts[mode, 400][0]
        if connection.vendor == "postgresql":
            assert counts[mode, 5][1] == counts[mode, 400][1]
    assert Contact.objects.count() == 405


# --- companies ---------------------------------------------------------------------------------


def test_company_import_matches_by_national_id_economic_code_and_name(user):
    company_id = generate_company_national_id("1010000001")
    target = CompanyTarget()
    first, errors = run(
        target,
        [
            {"name": "شركت الف", "national_id": company_id, "phone": "02188776655"},
            {"name": "شرکت ب", "economic_code": "4111-1111-1111", "industry": "نرم‌افزار"},
            {"name": "شرکت ج", "national_id": "12345"},
        ],
        user,
    )
    assert list(errors) == [4]
    assert [o.action for o in first] == [CREATED, CREATED]
    again, _ = run(
        target,
        [
            {"name": "نام دیگر", "national_id": company_id.translate(PERSIAN)},
            {"name": "شرکت ب", "economic_code": "411111111111"},
            {"name": "شرکت  ب"},
        ],
        user,
        mode=FILL,
    )
    ids = [first[0].object_id, first[1].object_id, first[1].object_id]
    assert [o.object_id for o in again] == ids
    assert Company.objects.count() == 2
    assert Company.objects.get(pk=first[0].object_id).name == "شرکت الف"
    assert SearchEntry.objects.filter(kind="company").count() == 2


def test_tags_are_created_once_and_shared(user):
    run(ContactTarget(), [person(1, tags="الف، ب"), person(2, tags="ب")], user)
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["الف", "ب"]
    assert Tag.objects.get(name="ب").contacts.count() == 2


def test_a_fill_import_linking_more_than_a_thousand_companies_in_one_batch(user):
    """The changed records are re-indexed with their companies joined, not prefetched: Django
    selects prefetched companies with one "id = %s OR ..." each, which SQLite refuses beyond
    1,000 (expression depth)."""
    target = ContactTarget()
    rows = [person(n) for n in range(1100)]
    run(target, rows, user)
    with_companies = [{**row, "company": f"شرکت {n}"} for n, row in enumerate(rows)]
    outcomes, _ = run(target, with_companies, user, mode=FILL)
    assert {o.action for o in outcomes} == {UPDATED}
    assert Membership.objects.count() == 1100
    (hit,) = [h for h in search(user, "شرکت 1099") if h.kind == "contact"]
    assert Contact.objects.get(pk=hit.object_id).last_name == "رضایی 1099"

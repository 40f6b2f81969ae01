"""selectors.search: matching in every spelling, ranking, and record-level sharing in SQL."""

import pytest
from django.core.management import CommandError, call_command

from peyvand.accounts.permissions import CONTACTS, SHARE_HIERARCHY, SHARE_TEAM
from peyvand.accounts.services import set_module_sharing
from peyvand.accounts.tests.factories import RoleFactory, TeamFactory, UserFactory
from peyvand.search.models import SearchEntry
from peyvand.search.registry import register_indexer, register_kind
from peyvand.search.selectors import CANDIDATE_LIMIT, search
from peyvand.search.services import (
    SearchDocument,
    bulk_index,
    index_document,
    rebuild_index,
    remove_document,
)

pytestmark = pytest.mark.django_db

_next_id = iter(range(1, 10**6))


def add(title, kind="contact", *, owner=None, team=None, object_id=None, **fields) -> int:
    object_id = object_id or next(_next_id)
    index_document(
        kind,
        object_id,
        SearchDocument(
            title=title,
            url=f"/{kind}s/{object_id}/",
            owner_id=owner.pk if owner else None,
            team_id=team.pk if team else None,
            **fields,
        ),
    )
    return object_id


def titles(user, query, **kwargs) -> list[str]:
    return [hit.title for hit in search(user, query, **kwargs)]


class TestPersianSpellings:
    def test_arabic_yeh_and_kaf_in_the_query_find_persian_spelling(self, admin_user):
        add("علی کریمی")
        assert titles(admin_user, "علي كري") == ["علی کریمی"]

    def test_persian_query_finds_a_name_stored_with_arabic_letters(self, admin_user):
        add("مريم كاظمي")
        assert titles(admin_user, "مریم کاظمی") == ["مريم كاظمي"]

    @pytest.mark.parametrize("query", ["می خواهم", "میخواهم", "می‌خواهم", "میخوا", "می خوا"])
    def test_zwnj_word_is_found_however_it_is_typed(self, admin_user, query):
        add("شرکت می‌خواهم")
        add("شرکت دیگر")
        assert titles(admin_user, query) == ["شرکت می‌خواهم"]

    def test_every_word_is_a_prefix_and_all_must_match(self, admin_user):
        add("علی رضایی")
        add("علی محمدی")
        add("رضا علوی")
        assert titles(admin_user, "علی رض") == ["علی رضایی"]

    def test_persian_digits_in_the_query_match_latin_digits(self, admin_user):
        add("شعبه 12 پارس")
        assert titles(admin_user, "شعبه ۱۲") == ["شعبه 12 پارس"]

    def test_tag_finds_the_record(self, admin_user):
        add("سارا کاظمی", texts=["VIP", "عمده‌فروش"])
        assert titles(admin_user, "vip") == ["سارا کاظمی"]
        assert titles(admin_user, "عمده فروش") == ["سارا کاظمی"]

    def test_subtitle_words_find_the_record(self, admin_user):
        add("سارا کاظمی", subtitle="شرکت پارس‌ان")
        assert titles(admin_user, "پارسان") == ["سارا کاظمی"]


class TestPhonesEmailsIds:
    @pytest.fixture
    def person(self):
        add("نیما شریفی", phones=["+989121269382"])
        add("پویا اکبری", phones=["+989351110000"])

    def test_last_digits_in_persian_find_the_phone(self, admin_user, person):
        assert titles(admin_user, "۹۳۸۲") == ["نیما شریفی"]

    def test_last_digits_in_arabic_indic_digits_find_the_phone(self, admin_user, person):
        assert titles(admin_user, "٢٦٩٣٨٢") == ["نیما شریفی"]

    @pytest.mark.parametrize(
        "query",
        [
            "0912 126 9382",
            "09121269382",
            "۰۹۱۲۱۲۶۹۳۸۲",
            "+989121269382",
            "+98 912 126 9382",
            "0098 912 126 9382",
            "9121269382",
            "(0912) 126-9382",
            "0912 126",
        ],
    )
    def test_phone_in_any_format_finds_the_contact(self, admin_user, person, query):
        assert titles(admin_user, query) == ["نیما شریفی"]

    def test_phone_digits_with_a_name(self, admin_user, person):
        add("نیما کریمی", phones=["+989120000000"])
        assert titles(admin_user, "نیما ۹۳۸۲") == ["نیما شریفی"]

    def test_email_prefix(self, admin_user):
        add("علی رضایی", emails=["Ali.Rezaei@Example.com"])
        add("علی احمدی", emails=["ahmadi@example.com"])
        assert titles(admin_user, "ali.rez") == ["علی رضایی"]
        assert titles(admin_user, "ali.rezaei@example.com") == ["علی رضایی"]
        assert titles(admin_user, "rezaei") == ["علی رضایی"]
        assert sorted(titles(admin_user, "example.com")) == ["علی احمدی", "علی رضایی"]

    def test_national_id_in_any_digits(self, admin_user):
        add("زهرا موسوی", identifiers=["0012345679"])
        add("زهرا نوری", identifiers=["1234567890"])
        assert titles(admin_user, "۰۰۱۲۳۴۵۶۷۹") == ["زهرا موسوی"]
        assert titles(admin_user, "00123") == ["زهرا موسوی"]


class TestRanking:
    def test_exact_name_comes_before_longer_names_starting_the_same(self, admin_user):
        add("علیرضا محمدی")
        add("محمد علی‌پور")
        add("علی رضایی")
        assert titles(admin_user, "علی") == ["علی رضایی", "محمد علی‌پور", "علیرضا محمدی"]

    def test_more_exact_words_rank_higher(self, admin_user):
        add("رضا رضاییان")
        add("رضا رضایی")
        assert titles(admin_user, "رضا رضایی") == ["رضا رضایی", "رضا رضاییان"]

    def test_title_match_beats_a_match_elsewhere(self, admin_user):
        add("زهرا کریمی", texts=["پارس"])
        add("پارس", kind="company")
        assert titles(admin_user, "پارس") == ["پارس", "زهرا کریمی"]

    def test_limit_and_kinds(self, admin_user):
        for i in range(5):
            add(f"پارس {i}", kind="company")
        add("پارس کریمی")
        assert len(search(admin_user, "پارس", limit=3)) == 3
        assert titles(admin_user, "پارس", kinds=["contact"]) == ["پارس کریمی"]

    def test_hit_carries_kind_link_and_label(self, admin_user):
        object_id = add("پارس", kind="company", subtitle="تهران")
        (hit,) = search(admin_user, "پارس")
        assert (hit.kind, hit.object_id, hit.url, hit.subtitle) == (
            "company",
            object_id,
            f"/companys/{object_id}/",
            "تهران",
        )
        assert hit.kind_label == "Company" or hit.kind_label == "شرکت"

    def test_broad_query_over_many_records_still_returns_the_best(self, admin_user):
        bulk_index(
            "contact",
            ((i, SearchDocument(title=f"محمدی {i}")) for i in range(1, CANDIDATE_LIMIT + 50)),
        )
        add("محمد")
        assert titles(admin_user, "محمد", limit=1) == ["محمد"]
        assert len(search(admin_user, "مح", limit=100)) == 100


class TestIndexMaintenance:
    def test_reindexing_replaces_the_old_terms(self, admin_user):
        object_id = add("علی رضایی")
        add("زهرا کریمی", object_id=object_id)
        assert titles(admin_user, "رضایی") == []
        assert titles(admin_user, "زهرا") == ["زهرا کریمی"]
        assert SearchEntry.objects.count() == 1

    def test_removed_document_is_not_found(self, admin_user):
        object_id = add("علی رضایی")
        remove_document("contact", object_id)
        assert titles(admin_user, "علی") == []

    def test_bulk_index_writes_and_updates_in_batches(self, admin_user):
        docs = [(i, SearchDocument(title=f"مشتری {i}")) for i in range(1, 251)]
        assert bulk_index("contact", docs, batch_size=100) == 250
        assert bulk_index("contact", [(7, SearchDocument(title="کیوان"))]) == 1
        assert SearchEntry.objects.filter(kind="contact").count() == 250
        assert titles(admin_user, "کیوان") == ["کیوان"]
        assert "مشتری 7" not in titles(admin_user, "مشتری 7")

    def test_rebuild_index_indexes_records_and_drops_stale_entries(self, admin_user):
        from peyvand.accounts.models import User

        register_kind("person", module=CONTACTS, label="Person")
        register_indexer(
            "person",
            queryset=lambda: User.objects.order_by("pk"),
            document=lambda user: SearchDocument(title=f"{user.username} کاربر"),
        )
        add("حذف‌شده", kind="person", object_id=987654)
        assert rebuild_index(["person"]) == {"person": User.objects.count()}
        assert titles(admin_user, "کاربر") == [f"{admin_user.username} کاربر"]
        assert titles(admin_user, "حذف") == []

    def test_rebuild_command_rejects_unknown_kinds(self):
        with pytest.raises(CommandError):
            call_command("rebuild_search_index", "no-such-kind")


class TestVisibility:
    def test_team_only_sharing_hides_other_teams_records(self):
        set_module_sharing(CONTACTS, SHARE_TEAM)
        team_a, team_b = TeamFactory(name="الف"), TeamFactory(name="ب")
        rep = UserFactory(team=team_a)
        colleague, outsider = UserFactory(team=team_a), UserFactory(team=team_b)
        add("پارس تیم ما", owner=colleague, team=team_a)
        add("پارس تیم دیگر", owner=outsider, team=team_b)
        add("پارس مال خودم", owner=rep, team=team_b)
        assert sorted(titles(rep, "پارس")) == ["پارس تیم ما", "پارس مال خودم"]
        assert sorted(titles(outsider, "پارس")) == ["پارس تیم دیگر", "پارس مال خودم"]

    def test_hierarchy_sharing_lets_managers_see_sub_teams(self):
        set_module_sharing(CONTACTS, SHARE_HIERARCHY)
        manager = UserFactory()
        parent = TeamFactory(name="فروش", manager=manager)
        child = TeamFactory(name="فروش تهران", parent=parent)
        rep = UserFactory(team=child)
        add("پارس تهران", owner=rep, team=child)
        add("پارس جای دیگر", owner=UserFactory(), team=TeamFactory(name="دیگر"))
        assert titles(manager, "پارس") == ["پارس تهران"]
        assert titles(rep, "پارس") == ["پارس تهران"]

    def test_user_without_contacts_view_finds_nothing(self, no_role_user):
        add("علی رضایی")
        no_access = UserFactory(
            role=RoleFactory(name="Tasks only", permissions={"tasks": ["view"]})
        )
        assert search(no_role_user, "علی") == []
        assert search(no_access, "علی") == []

    def test_read_only_user_finds_records(self, readonly_user):
        add("علی رضایی")
        assert titles(readonly_user, "علی") == ["علی رضایی"]

    def test_kind_of_another_module_needs_that_modules_permission(self, rep):
        register_kind("secret", module="settings", label="Secret")
        add("پارس محرمانه", kind="secret")
        add("پارس")
        assert titles(rep, "پارس") == ["پارس"]

    def test_entries_of_unregistered_kinds_are_never_returned(self, admin_user):
        add("پارس", kind="retired")
        assert search(admin_user, "پارس") == []

    def test_anonymous_user_finds_nothing(self):
        from django.contrib.auth.models import AnonymousUser

        add("علی")
        assert search(AnonymousUser(), "علی") == []


class TestQueries:
    def test_one_search_is_a_bounded_number_of_queries(self, django_assert_max_num_queries, rep):
        set_module_sharing(CONTACTS, SHARE_TEAM)
        team = TeamFactory()
        for i in range(30):
            add(f"علی {i}", owner=rep if i % 2 else None, team=team)
        rep.refresh_from_db()
        rep.role  # noqa: B018 - loaded with the session user in real requests
        with django_assert_max_num_queries(2):  # sharing scope (then cached) + the search
            assert len(search(rep, "علی", limit=50)) == 15

    def test_blank_query_runs_no_query(self, django_assert_num_queries, admin_user):
        with django_assert_num_queries(0):
            assert search(admin_user, "   ") == []
            assert search(admin_user, "!!!") == []

    @pytest.mark.parametrize(
        "query", ["'", '"', "a' OR '1'='1", '") OR 1=1 --', "*", "NEAR(a b)", "\\", "::*", "a & !b"]
    )
    def test_search_syntax_and_quotes_are_harmless(self, admin_user, query):
        add("علی")
        assert search(admin_user, query) == []

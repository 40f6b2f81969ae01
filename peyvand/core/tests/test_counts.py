import pytest
from django.db import connection

from peyvand.accounts.models import Team
from peyvand.core.counts import RowCount, capped_count, estimated_count, table_estimate

pytestmark = pytest.mark.django_db


def make_teams(n):
    Team.objects.bulk_create(Team(name=f"team {i}") for i in range(n))


def test_small_tables_are_counted_exactly():
    make_teams(7)
    assert estimated_count(Team) == RowCount(7, approximate=False)


def test_a_queryset_is_counted_exactly_below_the_limit():
    make_teams(7)
    assert estimated_count(Team, Team.objects.filter(name__endswith="3")) == RowCount(1)


def test_big_tables_are_estimated_and_marked_approximate():
    make_teams(12)
    count = estimated_count(Team, exact_limit=5)
    assert count.approximate
    assert count.value >= 5


def test_the_estimate_uses_table_statistics_or_else_the_highest_id():
    make_teams(12)
    Team.objects.filter(name="team 3").delete()
    highest = Team.objects.order_by("-id").values_list("id", flat=True).first()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Team._meta.db_table}")
        assert table_estimate(Team) == 11
    else:
        assert table_estimate(Team) == highest


def test_capped_count_stops_at_the_cap():
    make_teams(12)
    assert capped_count(Team.objects.all(), 10) == RowCount(10, approximate=True)
    assert capped_count(Team.objects.all(), 50) == RowCount(12)


def test_a_big_table_costs_a_bounded_number_of_queries(django_assert_max_num_queries):
    make_teams(12)
    with django_assert_max_num_queries(2):
        estimated_count(Team, exact_limit=5)

from peyvand_bench import scenarios
from peyvand_bench.client import Response
from peyvand_bench.discover import ARABIC_VARIANTS, PERSIAN_DIGITS

FX = {
    "hero_contact_id": 1,
    "hero_timeline_entries": 200,
    "middle_contact_id": 500,
    "filter_owner_id": 7,
    "filter_stage": "customer",
    "pipeline_id": 3,
    "pipeline_open_deals": 10_000,
    "name_prefix": "کری".translate(ARABIC_VARIANTS),
    "phone_suffix": "9382".translate(PERSIAN_DIGITS),
    "email": "kamran@example.com",
}


def test_search_terms_are_typed_with_arabic_letters_and_persian_digits():
    assert FX["name_prefix"] == "كري"
    assert FX["phone_suffix"] == "۹۳۸۲"


def test_build_covers_every_scenario_group_with_its_goal():
    items = {s.key: s for s in scenarios.build(FX)}
    assert {s.group for s in items.values()} == {1, 2, 3, 4, 5, 6}
    assert items["list_filter"].path == "/contacts/?owner=7&stage=customer"
    assert items["list_deep"].deep_rows == 10_000
    assert items["suggest_phone"].path == "/search/suggest/?q=%DB%B9%DB%B3%DB%B8%DB%B2"
    assert items["suggest_name"].headers == {"HX-Request": "true"}
    assert items["contact_360"].path == "/contacts/1/"
    assert items["kanban"].path == "/sales/board/3/" and items["kanban"].goal_ms == 100
    assert items["leads_funnel"].goal_ms == 300
    assert "10,000 open deals" in items["kanban"].label


def test_build_leaves_out_what_the_data_set_lacks():
    keys = {s.key for s in scenarios.build({**FX, "pipeline_id": None, "email": None})}
    assert "kanban" not in keys and "search_email" not in keys


def test_next_link_reads_the_keyset_pager():
    page = (
        b'<nav class="pager"><a href="?q=">First page</a>'
        b'<a class="next" rel="next" href="?stage=lead&amp;cursor=abc%3D">Next page</a></nav>'
    )
    assert scenarios.next_link(Response(200, page, {})) == "?stage=lead&cursor=abc%3D"
    assert scenarios.next_link(Response(200, b"<nav class='pager'></nav>", {})) is None


def test_peer_scenarios_open_the_middle_contact():
    items = {s.key: s for s in scenarios.build_peer(FX)}
    assert items["peer_record"].path == "/contacts/500/"
    assert items["peer_search"].path.startswith("/search/?q=")

from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from django.utils.safestring import mark_safe

from peyvand.core.context_processors import peyvand


def render(source: str, language: str = "fa", **context: object) -> str:
    # No {% load %}: the library is a template builtin.
    with translation.override(language):
        return Template(source).render(Context(context))


class TestDateFilters:
    def test_jdate_in_persian(self):
        assert render("{{ d|jdate }}", d=date(2024, 8, 2)) == "۱۴۰۳/۰۵/۱۲"

    def test_jdate_in_english(self):
        assert render("{{ d|jdate }}", "en", d=date(2024, 8, 2)) == "2024-08-02"

    def test_jdatetime_is_in_local_time(self):
        moment = datetime(2024, 8, 2, 11, 0, tzinfo=UTC)
        assert render("{{ m|jdatetime }}", m=moment) == "۱۴۰۳/۰۵/۱۲ ۱۴:۳۰"
        assert render("{{ m|jdatetime }}", "en", m=moment) == "2024-08-02 14:30"

    @pytest.mark.parametrize("source", ["{{ missing|jdate }}", "{{ none|jdatetime }}"])
    def test_empty_values_render_nothing(self, source):
        assert render(source, none=None) == ""

    def test_non_dates_are_left_alone(self):
        assert render("{{ v|jdate }}", v="soon") == "soon"


class TestDigitsFilter:
    def test_persian_digits_in_persian(self):
        assert render("{{ n|digits }}", n=1403) == "۱۴۰۳"
        assert render("{{ s|digits }}", s="Room 12") == "Room ۱۲"

    def test_unchanged_in_english(self):
        assert render("{{ n|digits }}", "en", n=1403) == "1403"

    def test_none_renders_nothing(self):
        assert render("{{ n|digits }}", n=None) == ""

    def test_output_is_still_escaped(self):
        assert render("{{ s|digits }}", s="<b>1</b>") == "&lt;b&gt;۱&lt;/b&gt;"

    def test_safe_input_stays_safe(self):
        assert render("{{ s|digits }}", s=mark_safe("<b>1</b>")) == "<b>۱</b>"


class TestPhoneFilter:
    def test_iranian_mobile(self):
        assert render("{{ p|phone }}", p="+989121269382") == "۰۹۱۲ ۱۲۶ ۹۳۸۲"
        assert render("{{ p|phone }}", "en", p="+989121269382") == "0912 126 9382"

    def test_empty_renders_nothing(self):
        assert render("{{ p|phone }}", p="") == ""


class TestMoneyFilters:
    def test_money_with_currency_argument(self):
        source = '{{ a|money:"IRT" }}'
        assert render(source, a=Decimal(1250000)) == "۱٬۲۵۰٬۰۰۰ تومان"
        assert render(source, "en", a=Decimal(1250000)) == "1,250,000 Toman"

    def test_money_defaults_to_rial(self):
        assert render("{{ a|money }}", "en", a=12500000) == "12,500,000 IRR"

    def test_money_of_none_renders_nothing(self):
        assert render("{{ a|money }}", a=None) == ""

    def test_money_reads_numeric_strings_as_decimal(self):
        assert render("{{ a|money }}", "en", a="12500") == "12,500 IRR"

    def test_money_refuses_floats(self):
        with pytest.raises(TypeError):
            render("{{ a|money }}", a=12.5)

    def test_intcomma_local(self):
        assert render("{{ n|intcomma_local }}", n=1234567) == "۱٬۲۳۴٬۵۶۷"
        assert render("{{ n|intcomma_local }}", "en", n=1234567) == "1,234,567"
        assert render("{{ n|intcomma_local }}", "en", n="1234567") == "1,234,567"

    def test_intcomma_local_leaves_text_alone(self):
        assert render("{{ n|intcomma_local }}", n="n/a") == "n/a"


class TestQueryReplace:
    def query(self, url: str, tag_args: str) -> dict[str, list[str]]:
        request = RequestFactory().get(url)
        html = render("{% query_replace request " + tag_args + " %}", request=request)
        return parse_qs(html.replace("&amp;", "&"), keep_blank_values=True)

    def test_replaces_a_key_and_keeps_the_others(self):
        assert self.query("/contacts/?q=ali&page=1", "page=2") == {"q": ["ali"], "page": ["2"]}

    def test_adds_a_missing_key(self):
        assert self.query("/contacts/?q=ali", "page=3") == {"q": ["ali"], "page": ["3"]}

    def test_replaces_every_value_of_a_repeated_key(self):
        assert self.query("/?tag=a&tag=b", "tag='c'") == {"tag": ["c"]}

    def test_none_or_empty_value_drops_the_key(self):
        assert self.query("/?q=ali&page=4&sort=name", "page=None sort=''") == {"q": ["ali"]}

    def test_keeps_repeated_keys_that_are_not_replaced(self):
        assert self.query("/?tag=a&tag=b", "page=2") == {"tag": ["a", "b"], "page": ["2"]}

    def test_persian_values_survive(self):
        assert self.query("/?q=%D8%B9%D9%84%DB%8C", "page=2") == {"q": ["علی"], "page": ["2"]}

    def test_output_has_no_question_mark_and_is_escaped_for_attributes(self):
        request = RequestFactory().get("/?q=a&b=c")
        html = render('<a href="?{% query_replace request page=2 %}">', request=request)
        assert html == '<a href="?q=a&amp;b=c&amp;page=2">'

    def test_empty_query_string(self):
        request = RequestFactory().get("/")
        assert render("{% query_replace request page=None %}", request=request) == ""


class TestContextProcessor:
    def test_persian_is_right_to_left_and_offers_english(self):
        with translation.override("fa"):
            context = peyvand(RequestFactory().get("/"))
        assert context == {
            "LANGUAGE_DIR": "rtl",
            "IS_RTL": True,
            "OTHER_LANGUAGE": ("en", "English"),
        }

    def test_english_is_left_to_right_and_offers_persian(self):
        with translation.override("en"):
            context = peyvand(RequestFactory().get("/"))
        assert context == {
            "LANGUAGE_DIR": "ltr",
            "IS_RTL": False,
            "OTHER_LANGUAGE": ("fa", "فارسی"),
        }

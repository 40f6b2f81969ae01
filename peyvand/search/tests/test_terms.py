"""What services.build_terms writes: the tokens a query can find a record by."""

from peyvand.search.selectors import parse_query
from peyvand.search.services import SearchDocument, build_terms


def terms_of(**fields) -> list[str]:
    return build_terms(SearchDocument(title=fields.pop("title", ""), **fields)).split()


def test_arabic_yeh_and_kaf_are_stored_as_persian_letters():
    assert terms_of(title="علي كريمي") == ["علی", "کریمی"]


def test_zwnj_word_is_stored_joined_and_split():
    terms = terms_of(title="می‌خواهم")
    assert terms == ["میخواهم", "می", "خواهم"]


def test_space_or_no_space_spellings_of_a_zwnj_word_are_all_findable():
    terms = set(terms_of(title="می‌خواهم"))
    for spelling in ("می‌خواهم", "میخواهم", "می خواهم"):
        assert {t.word for t in parse_query(spelling)} <= terms


def test_persian_and_arabic_digits_are_stored_as_latin_digits():
    assert terms_of(title="شعبه ۱۲ و ٣٤") == ["شعبه", "12", "و", "34"]


def test_title_tokens_come_first_then_texts_then_subtitle():
    terms = terms_of(title="سارا کاظمی", texts=["VIP"], subtitle="شرکت پارس")
    assert terms == ["سارا", "کاظمی", "vip", "شرکت", "پارس"]


def test_duplicate_tokens_are_written_once():
    assert terms_of(title="رضا رضا", texts=["رضا"]) == ["رضا"]


def test_email_is_one_token_plus_local_part_domain_and_words():
    terms = terms_of(emails=["Ali.Rezaei@Example.COM"])
    assert terms == ["ali.rezaei@example.com", "ali.rezaei", "example.com", "ali", "rezaei"]


def test_phone_is_stored_in_every_dialling_form_and_reversed():
    terms = terms_of(phones=["+989121269382"])
    assert terms == [
        "989121269382",
        "09121269382",
        "9121269382",
        "00989121269382",
        "r283962121989",
    ]


def test_reversed_phone_token_turns_a_suffix_into_a_prefix():
    (term,) = parse_query("۹۳۸۲")
    reversed_token = next(t for t in terms_of(phones=["+989121269382"]) if t.startswith("r"))
    assert "r2839" in term.alternatives
    assert reversed_token.startswith("r2839")


def test_national_id_is_stored_as_latin_digits_without_separators():
    assert terms_of(identifiers=["۰۰۱-۲۳۴۵۶۷-۸"]) == ["0012345678"]


def test_identifier_with_letters_is_kept_as_words():
    assert terms_of(identifiers=["IR-12 ab"]) == ["ir-12", "ab"]


def test_empty_document_has_no_terms():
    assert build_terms(SearchDocument(title="")) == ""


def test_overlong_tokens_are_cut():
    (token,) = terms_of(title="a" * 500)
    assert len(token) == 200


class TestQueryParsing:
    def test_blank_query_has_no_terms(self):
        assert parse_query("  \u200c ") == []
        assert parse_query(None) == []

    def test_phone_typed_in_groups_is_one_number(self):
        assert [t.word for t in parse_query("0912 126 9382")] == ["09121269382"]
        assert [t.word for t in parse_query("+98 (912) 126-9382")] == ["989121269382"]

    def test_double_zero_international_prefix_is_kept_as_typed(self):
        (term,) = parse_query("0098 912 126")
        assert term.word == "0098912126"

    def test_short_digits_are_not_looked_for_at_the_end_of_phones(self):
        (term,) = parse_query("12")
        assert term.alternatives == ("12",)

    def test_digits_inside_a_name_query_are_a_separate_phone_term(self):
        words = [t.alternatives for t in parse_query("علی ۰۹۱۲-۱۲۶")]
        assert words == [("علی",), ("0912126", "r6212190")]

    def test_search_syntax_is_treated_as_plain_words(self):
        assert [t.word for t in parse_query('"x" OR y* NEAR(')] == ["x", "or", "y", "near"]

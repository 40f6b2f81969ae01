import pytest
from django.utils import translation

from peyvand.core.persian import (
    ZWNJ,
    is_persian_language,
    normalize_text,
    search_key,
    search_query_tokens,
    to_latin_digits,
    to_persian_digits,
)


class TestNormalizeText:
    def test_arabic_yeh_and_kaf_become_persian(self):
        assert normalize_text("علي كريمي") == "علی کریمی"

    def test_alef_maksura_becomes_persian_yeh(self):
        assert normalize_text("موسى") == "موسی"

    def test_heh_doachashmee_from_windows_layouts_becomes_heh(self):
        assert normalize_text("\u06beمه") == "همه"

    def test_teh_marbuta_and_heh_with_yeh_are_kept(self):
        assert normalize_text("مدرسة") == "مدرسة"
        assert normalize_text("خانۀ ما") == "خانۀ ما"

    def test_ezafe_hamza_on_heh_is_kept(self):
        assert normalize_text("خانه\u0654 ما") == "خانه\u0654 ما"

    def test_harakat_and_superscript_alef_are_removed(self):
        assert normalize_text("مُحَمَّد") == "محمد"
        assert normalize_text("رحمٰن") == "رحمن"

    def test_tatweel_is_removed(self):
        assert normalize_text("سـلـــام") == "سلام"

    @pytest.mark.parametrize(
        "invisible",
        ["\u200b", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202b", "\u202e", "\u2066", "\u2069"],
    )
    def test_invisible_and_bidi_control_characters_are_removed(self, invisible):
        assert normalize_text(f"ali{invisible}reza") == "alireza"

    def test_right_to_left_override_cannot_disguise_a_name(self):
        assert normalize_text("\u202eazer ila") == "azer ila"

    def test_zwnj_between_letters_is_kept(self):
        assert normalize_text(f"می{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"

    def test_repeated_zwnj_collapses_to_one(self):
        assert normalize_text(f"می{ZWNJ}{ZWNJ}{ZWNJ}خواهم") == f"می{ZWNJ}خواهم"

    def test_zwnj_next_to_a_space_or_at_the_edges_is_dropped(self):
        assert normalize_text(f"{ZWNJ}کتاب {ZWNJ}ها{ZWNJ} خوب{ZWNJ}") == "کتاب ها خوب"

    def test_zwnj_next_to_punctuation_is_dropped(self):
        assert normalize_text(f"کتاب{ZWNJ}، خوب") == "کتاب، خوب"

    def test_zwnj_after_ezafe_hamza_is_kept(self):
        assert normalize_text(f"خانه\u0654{ZWNJ}ای") == f"خانه\u0654{ZWNJ}ای"

    def test_whitespace_runs_collapse_and_ends_are_stripped(self):
        assert normalize_text("  علی \t\n  رضایی\u00a0 ") == "علی رضایی"

    def test_multiline_keeps_line_breaks_but_at_most_one_blank_line(self):
        text = "  خط   اول  \r\nخط دوم\n\n\n\nخط سوم \n"
        assert normalize_text(text, multiline=True) == "خط اول\nخط دوم\n\nخط سوم"

    def test_digits_are_left_as_typed(self):
        assert normalize_text("واحد ۱۲ و 34 و ٥٦") == "واحد ۱۲ و 34 و ٥٦"

    def test_arabic_presentation_forms_from_pdfs_become_letters(self):
        # Isolated/final presentation forms of kaf and yeh, as copied from old PDFs.
        assert normalize_text("\ufedb\ufe98\ufe8e\ufe8f \ufef1") == "کتاب ی"

    def test_decomposed_alef_madda_is_composed(self):
        assert normalize_text("\u0627\u0653ب") == "آب"

    @pytest.mark.parametrize("empty", [None, "", "   ", "\u200c", "\u200f\u200b"])
    def test_empty_input_gives_empty_string(self, empty):
        assert normalize_text(empty) == ""

    def test_is_idempotent(self):
        once = normalize_text(f" علي  ك{ZWNJ}{ZWNJ}تاب ـ مُ ")
        assert normalize_text(once) == once


class TestDigits:
    def test_persian_and_arabic_indic_digits_become_latin(self):
        assert to_latin_digits("۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩") == "0123456789 0123456789"

    def test_latin_digits_become_persian(self):
        assert to_persian_digits("0123456789") == "۰۱۲۳۴۵۶۷۸۹"

    def test_arabic_indic_digits_become_persian(self):
        assert to_persian_digits("٤٥٦") == "۴۵۶"

    def test_other_characters_are_untouched(self):
        assert to_latin_digits("پلاک ۱۲، واحد 3") == "پلاک 12، واحد 3"
        assert to_persian_digits("Room 12-b") == "Room ۱۲-b"


class TestSearchKey:
    def test_zwnj_word_is_indexed_joined_and_split(self):
        assert search_key(f"می{ZWNJ}خواهم") == "میخواهم می خواهم"

    def test_arabic_letters_are_folded_like_storage(self):
        assert search_key("علي كريمي") == "علی کریمی"

    def test_alef_with_hamza_or_madda_folds_to_alef(self):
        assert search_key("أحمد إمام آرش") == "احمد امام ارش"

    def test_heh_variants_fold_to_heh(self):
        assert search_key("خانۀ خانه\u0654 مدرسة") == "خانه مدرسه"

    def test_latin_is_casefolded(self):
        assert search_key("Ali STRASSE straße") == "ali strasse"

    def test_digits_become_latin(self):
        assert search_key("پلاک ۱۲ و ٣٤") == "پلاک 12 و 34"

    def test_punctuation_separates_words_but_email_and_phone_characters_stay(self):
        assert search_key("«سلام»، علی! (ali_reza@Example.com) +98-912") == (
            "سلام علی ali_reza@example.com +98-912"
        )

    def test_sentence_dot_does_not_stick_to_the_last_word(self):
        assert search_key("با علی تماس گرفتم. ali@x.ir.") == "با علی تماس گرفتم ali@x.ir"

    def test_tokens_are_unique_and_keep_their_order(self):
        assert search_key("علی رضا علی Ali ali") == "علی رضا ali"

    def test_split_parts_are_not_repeated(self):
        assert search_key(f"می{ZWNJ}روم می{ZWNJ}خواهم") == "میروم می روم میخواهم خواهم"

    def test_lone_punctuation_is_not_a_token(self):
        assert search_key("- . + @ _ علی") == "علی"

    @pytest.mark.parametrize("empty", [None, "", "  ", "؟!،"])
    def test_blank_input_has_empty_key(self, empty):
        assert search_key(empty) == ""


class TestSearchQueryTokens:
    def test_zwnj_word_yields_only_the_joined_form(self):
        assert search_query_tokens(f"می{ZWNJ}خواهم") == ["میخواهم"]

    def test_query_is_normalised_like_the_key(self):
        assert search_query_tokens(" علي  ۰۹۱۲  Ali ") == ["علی", "0912", "ali"]

    def test_every_query_token_is_found_in_the_key_of_the_same_text(self):
        text = f"شرکت نرم{ZWNJ}افزاری «پیوند» — Ali@Peyvand.ir"
        key = search_key(text).split()
        assert all(token in key for token in search_query_tokens(text))

    def test_spelled_with_space_or_joined_both_find_a_zwnj_word(self):
        key = search_key(f"می{ZWNJ}خواهم").split()
        assert set(search_query_tokens("می خواهم")) <= set(key)
        assert set(search_query_tokens("میخواهم")) <= set(key)

    @pytest.mark.parametrize("stored", ["می خواهم", "میخواهم", f"می{ZWNJ}خواهم"])
    @pytest.mark.parametrize("typed", ["می خواهم", "میخواهم", f"می{ZWNJ}خواهم"])
    def test_detached_prefix_is_found_however_it_is_spelled(self, stored, typed):
        assert set(search_query_tokens(typed)) <= set(search_key(stored).split())

    @pytest.mark.parametrize("stored", ["کتاب ها", "کتابها", f"کتاب{ZWNJ}ها"])
    def test_detached_plural_suffix_is_found_however_it_is_spelled(self, stored):
        assert set(search_query_tokens("کتاب ها")) <= set(search_key(stored).split())
        assert set(search_query_tokens("کتابها")) <= set(search_key(stored).split())

    @pytest.mark.parametrize(
        ("stored", "typed"), [("آرش", "ارش"), ("ارش", "آرش"), ("پائیز", "پاییز"), ("مؤمن", "مومن")]
    )
    def test_hamza_and_madda_spellings_find_each_other(self, stored, typed):
        assert set(search_query_tokens(typed)) <= set(search_key(stored).split())

    def test_duplicates_are_dropped(self):
        assert search_query_tokens("ali ALI علی علي") == ["ali", "علی"]

    @pytest.mark.parametrize("blank", ["", "   ", "\u200c", "...", None])
    def test_blank_query_gives_no_tokens(self, blank):
        assert search_query_tokens(blank) == []


class TestIsPersianLanguage:
    @pytest.mark.parametrize("code", ["fa", "fa-ir", "fa_IR", "FA"])
    def test_persian_codes(self, code):
        assert is_persian_language(code)

    @pytest.mark.parametrize("code", ["en", "en-us", "far"])
    def test_other_codes(self, code):
        assert not is_persian_language(code)

    def test_defaults_to_the_active_language(self):
        with translation.override("en"):
            assert not is_persian_language()
        with translation.override("fa"):
            assert is_persian_language()

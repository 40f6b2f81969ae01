"""Article bodies: simple formatting works, and nothing a user typed becomes live HTML."""

import pytest

from peyvand.knowledge.markup import excerpt, plain_text, render_markdown

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href='javascript:alert(1)'>x</a>",
    '<svg><animate onbegin="alert(1)"/></svg>',
    "<iframe src=//evil.example></iframe>",
]


@pytest.mark.parametrize("payload", XSS)
def test_html_in_the_body_is_shown_as_text(payload):
    html = render_markdown(f"متن {payload} **پررنگ**")
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert "<iframe" not in html and "<a href='javascript" not in html
    assert "&lt;" in html
    assert "<strong>پررنگ</strong>" in html


@pytest.mark.parametrize(
    "link",
    [
        "[بزنید](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](//evil.example/path)",
        "[x](vbscript:msgbox)",
    ],
)
def test_only_http_mailto_and_site_links_become_links(link):
    assert "<a " not in render_markdown(link)


def test_a_quote_in_a_link_cannot_leave_the_attribute():
    html = render_markdown('[x](https://example.com/" onmouseover="alert(1))')
    assert 'onmouseover="' not in html
    assert "<a " not in html or "&quot;" in html


def test_supported_formatting():
    html = render_markdown(
        "# راهنما\n\nخط اول\nخط دوم\n\n- یک\n- دو\n\n۱. اول\n2. دوم\n\n> نکته\n\n"
        "```\n<b>کد</b>\n```\n[سایت](https://example.com) و `کد` و *مهم*"
    )
    assert "<h2>راهنما</h2>" in html
    assert "<p>خط اول<br>خط دوم</p>" in html
    assert "<ul><li>یک</li><li>دو</li></ul>" in html
    assert "<ol><li>اول</li><li>دوم</li></ol>" in html
    assert "<blockquote>نکته</blockquote>" in html
    assert "&lt;b&gt;کد&lt;/b&gt;" in html and "<pre" in html
    assert '<a href="https://example.com" rel="nofollow noopener noreferrer">سایت</a>' in html
    assert "<code>کد</code>" in html and "<em>مهم</em>" in html


def test_formatting_inside_code_spans_is_left_alone():
    assert "<code>**x**</code>" in render_markdown("`**x**`")


def test_plain_text_and_excerpt_drop_the_marks():
    text = plain_text("# عنوان\n- مورد **مهم**\n[پیوند](https://example.com)")
    assert "#" not in text and "**" not in text and "https" not in text
    assert "پیوند" in text and "مهم" in text
    assert excerpt("کلمه " * 100, 20).endswith("…")


def test_empty_body():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""

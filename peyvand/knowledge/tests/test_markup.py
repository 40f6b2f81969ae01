"""Article bodies: simple formatting works, and nothing a user typed becomes live HTML."""

import re

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
        "[x](JaVaScRiPt:alert(1))",
        "<javascript:alert(1)>",
    ],
)
def test_only_http_mailto_and_site_links_become_links(link):
    assert "<a " not in render_markdown(link)


def test_a_quote_in_a_link_cannot_leave_the_attribute():
    html = render_markdown('[x](https://example.com/" onmouseover="alert(1))')
    assert not re.search(r"<[^>]*onmouseover", html)  # only ever as text, never in a tag


def test_supported_formatting():
    html = render_markdown(
        "# راهنما\n\nخط اول\nخط دوم\n\n- یک\n- دو\n\n۱. اول\n2. دوم\n\n> نکته\n\n"
        "```\n<b>کد</b>\n```\n[سایت](https://example.com) و `کد` و *مهم* و **پررنگ**"
    )
    assert "<h2>راهنما</h2>" in html  # the article title is the page's h1
    assert "<p>خط اول<br>\nخط دوم</p>" in html
    assert "<ul>\n<li>یک</li>\n<li>دو</li>\n</ul>" in html
    assert "<ol>\n<li>اول</li>\n<li>دوم</li>\n</ol>" in html  # Persian digits number too
    assert "<blockquote>\n<p>نکته</p>\n</blockquote>" in html
    assert "&lt;b&gt;کد&lt;/b&gt;" in html and '<pre dir="ltr">' in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">سایت</a>' in html
    assert "<code>کد</code>" in html and "<em>مهم</em>" in html
    assert "<strong>پررنگ</strong>" in html


def test_site_and_mail_links_are_kept():
    html = render_markdown("[راهنما](/kb/articles/3/) و [ایمیل](mailto:help@example.com)")
    assert '<a href="/kb/articles/3/" rel="noopener noreferrer nofollow">راهنما</a>' in html
    assert 'href="mailto:help@example.com"' in html


def test_images_and_unknown_attributes_never_reach_the_page():
    html = render_markdown('![x](https://tracker.example/p.gif)\n\n<p onclick="x">y</p>')
    assert "<img" not in html and not re.search(r"<[^>]*onclick", html)


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

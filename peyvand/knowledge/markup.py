"""Article bodies: a small Markdown subset rendered safely.

Everything the author typed is HTML-escaped FIRST; only then are the few supported marks turned
into tags this module writes itself. So no tag, attribute or script from a user can ever reach a
page, whatever the input (no sanitiser to configure or bypass).

Supported: "# " / "## " / "### " headings, "- " or "* " bullet lists, "1. " (or "۱. ")
numbered lists, "> " quotes, ``` fenced code blocks, blank-line paragraphs (single line breaks
kept), **bold**, *italic*, `code`, and [text](https://...) links (http, https, mailto and
site-relative "/..." only).
"""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*$")
_BULLET = re.compile(r"^[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^[0-9۰-۹٠-٩]{1,3}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^&gt;\s?(.*)$")
_FENCE = "```"

# Applied to already-escaped text: `"`, `<` and `>` can no longer appear literally.
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:|/(?!/))[^\s()]*)\)")

_PLAIN_MARKS = re.compile(r"(^|\n)\s*(#{1,3}|[-*•]|&gt;|>)\s+|\*\*|`+|\[([^\]\n]+)\]\([^)\s]*\)")


def _inline(escaped: str) -> str:
    # Code spans first so their content is not formatted; placeholders keep them out of reach.
    spans: list[str] = []

    def keep_code(match: re.Match) -> str:
        spans.append(f"<code>{match.group(1)}</code>")
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE.sub(keep_code, escaped)
    text = _LINK.sub(
        lambda m: f'<a href="{m.group(2)}" rel="nofollow noopener noreferrer">{m.group(1)}</a>',
        text,
    )
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: spans[int(m.group(1))], text)


def render_markdown(text: str | None) -> SafeString:
    """The body as safe HTML (see the module docstring for what is supported)."""
    source = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = html.escape(source, quote=True).split("\n")
    out: list[str] = []
    paragraph: list[str] = []
    list_tag: str | None = None
    items: list[str] = []
    quote: list[str] = []

    def flush_paragraph() -> None:
        if paragraph:
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if list_tag:
            body = "".join(f"<li>{_inline(item)}</li>" for item in items)
            out.append(f"<{list_tag}>{body}</{list_tag}>")
            items.clear()
            list_tag = None

    def flush_quote() -> None:
        if quote:
            out.append("<blockquote>" + "<br>".join(_inline(q) for q in quote) + "</blockquote>")
            quote.clear()

    def flush_all() -> None:
        flush_paragraph()
        flush_list()
        flush_quote()

    index = 0
    while index < len(lines):
        raw = lines[index]
        line = raw.strip()
        index += 1
        if line.startswith(_FENCE):
            flush_all()
            code: list[str] = []
            while index < len(lines) and not lines[index].strip().startswith(_FENCE):
                code.append(lines[index])
                index += 1
            index += 1  # the closing fence (or the end)
            out.append('<pre dir="ltr"><code>' + "\n".join(code) + "</code></pre>")
            continue
        if not line:
            flush_all()
            continue
        if heading := _HEADING.match(line):
            flush_all()
            level = len(heading.group(1)) + 1  # the article title is the page's h1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            continue
        bullet = _BULLET.match(line)
        numbered = None if bullet else _NUMBERED.match(line)
        if bullet or numbered:
            tag = "ul" if bullet else "ol"
            flush_paragraph()
            flush_quote()
            if list_tag != tag:
                flush_list()
                list_tag = tag
            items.append((bullet or numbered).group(1))
            continue
        if quoted := _QUOTE.match(line):
            flush_paragraph()
            flush_list()
            quote.append(quoted.group(1))
            continue
        flush_list()
        flush_quote()
        paragraph.append(line)
    flush_all()
    # Safe: built only from escaped text and the tags written above.
    return mark_safe("\n".join(out))


def plain_text(text: str | None) -> str:
    """The body without formatting marks: for search, excerpts and e-mail."""
    value = text or ""
    value = _PLAIN_MARKS.sub(lambda m: (m.group(1) or "") + (m.group(3) or ""), value)
    return value.replace("```", "")


def excerpt(text: str | None, length: int = 200) -> str:
    words = " ".join(plain_text(text).split())
    if len(words) <= length:
        return words
    return words[:length].rsplit(" ", 1)[0] + "…"

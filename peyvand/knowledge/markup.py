"""Article bodies: CommonMark rendered by markdown-it-py, then sanitised by nh3.

Raw HTML is off in the parser (typed tags show as text), links are checked when parsed (http,
https, mailto and site-relative only) and nh3 keeps only the tags and attributes Markdown
produces, so nothing a user typed can become live HTML even if one layer were misconfigured.
"""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "pre": {"dir"}}
_LINK_SCHEMES = {"http", "https", "mailto"}
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
# Persian/Arabic-Indic digits before "." or ")" start a numbered list, as ASCII digits do.
_NUMBERED = re.compile(r"^(\s{0,3})([0-9۰-۹٠-٩]{1,9})([.)])(?=\s)", re.MULTILINE)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _link_allowed(url: str) -> bool:
    url = url.strip()
    if url.startswith(("//", "\\", "/\\")):  # protocol-relative: another site
        return False
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(0)[:-1].lower() in _LINK_SCHEMES


def _parser() -> MarkdownIt:
    # "breaks": a single line break stays a line break, as authors expect.
    md = MarkdownIt("commonmark", {"html": False, "breaks": True})
    md.disable("image")  # no remote images (tracking pixels) in articles
    md.validateLink = _link_allowed

    def shift_headings(state) -> None:
        # The article title is the page's h1, so "#" becomes h2.
        for token in state.tokens:
            if token.type in ("heading_open", "heading_close"):
                token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"

    md.core.ruler.push("shift_headings", shift_headings)
    return md


_MD = _parser()


def _source(text: str | None) -> str:
    source = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _NUMBERED.sub(lambda m: m[1] + m[2].translate(_DIGITS) + m[3], source)


def render_markdown(text: str | None) -> SafeString:
    """The body as safe HTML."""
    html = _MD.render(_source(text))
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_LINK_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"pre": {"dir": "ltr"}},
    )
    # Safe: nh3 output.
    return mark_safe(clean.strip())


def plain_text(text: str | None) -> str:
    """The body without formatting marks (link text without its address): for search,
    excerpts and e-mail."""
    parts: list[str] = []
    for token in _MD.parse(_source(text)):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
            parts.append("\n")
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return "".join(parts).strip()


def excerpt(text: str | None, length: int = 200) -> str:
    words = " ".join(plain_text(text).split())
    if len(words) <= length:
        return words
    return words[:length].rsplit(" ", 1)[0] + "…"

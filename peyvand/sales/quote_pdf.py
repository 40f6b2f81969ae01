"""Quote documents: the printable page and its PDF come from one template.

The PDF is rendered by WeasyPrint, whose pango/HarfBuzz text layout joins Persian letters and
orders mixed right-to-left/left-to-right text correctly (Python PDF libraries without a shaping
engine print isolated, reversed letters). The Vazirmatn font ships with the static files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import Quote

TEMPLATE = "sales/quotes/print.html"
_FONTS = {"regular": "Vazirmatn-Regular.woff2", "bold": "Vazirmatn-Bold.woff2"}
_FONT_DIR = "vendor/vazirmatn/"


def _font_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for weight, name in _FONTS.items():
        path = finders.find(_FONT_DIR + name)
        if path is None and settings.STATIC_ROOT:
            candidate = Path(settings.STATIC_ROOT) / _FONT_DIR / name
            path = str(candidate) if candidate.exists() else None
        if path:
            found[weight] = Path(path).resolve()
    return found


def document_context(quote: Quote, *, for_pdf: bool) -> dict[str, Any]:
    """What the printable page and the PDF show. `quote` should come with its lines,
    customer and owner loaded (see selectors in peyvand.sales.quotes)."""
    if for_pdf:
        fonts = {weight: path.as_uri() for weight, path in _font_files().items()}
    else:
        fonts = {weight: static(_FONT_DIR + name) for weight, name in _FONTS.items()}
    return {
        "quote": quote,
        "lines": list(quote.lines.all()),
        "fonts": fonts,
        "for_pdf": for_pdf,
        "organization": getattr(settings, "PEYVAND_ORGANIZATION_NAME", "") or _("Peyvand"),
        "printed_at": timezone.now(),
    }


def _url_fetcher(allowed: set[str]):
    """Only the bundled font files may be loaded: quote text is customer data, and a PDF
    renderer must never read other local files or reach the network on its behalf."""
    from weasyprint.urls import URLFetcher

    class FontsOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url not in allowed:
                raise ValueError(f"refusing to fetch {url!r} while rendering a quote")
            return super().fetch(url, headers)

    return FontsOnly(allowed_protocols={"file"})


def render_quote_pdf(quote: Quote, *, language: str | None = None) -> bytes:
    """The quote as PDF bytes, in `language` (default: the active one)."""
    from weasyprint import HTML  # imported late: loading pango takes a moment

    with translation.override(language or translation.get_language()):
        context = document_context(quote, for_pdf=True)
        html = render_to_string(TEMPLATE, context)
    allowed = set(context["fonts"].values())
    return HTML(string=html, url_fetcher=_url_fetcher(allowed)).write_pdf()


def pdf_filename(quote: Quote) -> str:
    return f"quote-{quote.number or quote.pk}-v{quote.version}.pdf"

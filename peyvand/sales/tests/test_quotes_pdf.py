"""The quote PDF is a real PDF, typeset with Vazirmatn, with the Persian customer name as text."""

import io
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory
from peyvand.sales import quote_pdf, quotes

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@pytest.fixture
def quote(admin_user):
    company = CompanyFactory(name="شرکت بازرگانی پیوند آریا")
    contact = ContactFactory(first_name="مریم", last_name="کاظمی")
    return quotes.create_quote(
        user=admin_user,
        data={
            "contact": contact.pk,
            "company": company.pk,
            "title": "تمدید پشتیبانی سالانه",
            "terms": "پرداخت نقدی پیش از تحویل.",
            "lines": [
                {"description": "پشتیبانی ویژه", "quantity": "2", "unit_price": "12500000"},
                {"description": "آموزش کاربران", "unit_price": "3000000", "tax_rate": "0"},
            ],
        },
    )


def test_the_pdf_is_a_real_pdf_with_the_persian_customer_name(quote):
    with translation.override("fa"):
        pdf = quote_pdf.render_quote_pdf(quote)
    assert pdf.startswith(b"%PDF-")
    reader, text = _text(pdf)
    assert len(reader.pages) >= 1
    assert "شرکت بازرگانی پیوند آریا" in text
    assert "مریم کاظمی" in text
    assert "پشتیبانی ویژه" in text
    assert any("Vazirmatn" in name for name in _fonts(reader))


def test_the_english_pdf_keeps_the_persian_names_and_english_labels(quote):
    pdf = quote_pdf.render_quote_pdf(quote, language="en")
    _reader, text = _text(pdf)
    assert "Quote" in text and "Total" in text
    assert "مریم کاظمی" in text
    assert quote.number in text
    # 2 × 12,500,000 + 10 % tax + 3,000,000 = 30,500,000 rials
    assert quote.total == Decimal("30500000")
    assert "30,500,000 IRR" in text


def test_pdf_download_page_and_api(admin_client, admin_api, quote):
    response = admin_client.get(f"/sales/quotes/{quote.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "مریم کاظمی" in _text(response.content)[1]

    response = admin_api.get(f"/api/v1/sales/quotes/{quote.pk}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_user_text_cannot_make_the_renderer_read_local_files(admin_user, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    contact = ContactFactory()
    quote = quotes.create_quote(
        user=admin_user,
        data={
            "contact": contact.pk,
            "notes": f'<link rel="stylesheet" href="file://{secret}"><img src="file://{secret}">',
            "lines": [{"description": "x", "unit_price": "1"}],
        },
    )
    pdf = quote_pdf.render_quote_pdf(quote)
    # The markup is printed as text (escaped), never fetched.
    assert "secret.css" in _text(pdf)[1]
    # And the renderer's fetcher refuses anything but the bundled fonts.
    fonts = {path.as_uri() for path in quote_pdf._font_files().values()}
    assert len(fonts) == 2
    fetcher = quote_pdf._url_fetcher(fonts)
    with pytest.raises(ValueError):
        fetcher.fetch(secret.as_uri())
    with pytest.raises(ValueError):
        fetcher.fetch("http://127.0.0.1:9/")
    font = fetcher.fetch(sorted(fonts)[0])
    assert font.read(4) == b"wOF2"
    font.close()

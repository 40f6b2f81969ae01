# ruff: noqa: E501  (article prose: one paragraph per line, as authors write Markdown)
"""A few real, useful starter articles and canned responses (Persian and English).

core/demo.py has no hook for other apps' data, so these are loaded on their own:
`manage.py load_knowledge_samples` (idempotent: existing titles are left alone)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from . import services
from .models import Article, ArticleCategory, CannedResponse


@dataclass
class SampleResult:
    articles: int = 0
    canned_responses: int = 0


RESET_FA = """اگر گذرواژه حساب کاربری خود را فراموش کرده‌اید، در چند دقیقه می‌توانید گذرواژه تازه بسازید.

## مراحل
1. در صفحه ورود روی «گذرواژه را فراموش کرده‌ام» بزنید.
2. نشانی ایمیل یا شماره همراهی را که با آن ثبت‌نام کرده‌اید وارد کنید.
3. پیوند یا کد ۶ رقمی‌ای را که برایتان فرستاده می‌شود باز کنید؛ این پیوند تا ۳۰ دقیقه معتبر است.
4. گذرواژه تازه‌ای با دست‌کم ۱۰ نویسه انتخاب کنید.

## اگر ایمیل یا پیامک نرسید
- پوشه هرزنامه (Spam) را هم ببینید.
- اگر شماره همراه‌تان عوض شده، با پشتیبانی تماس بگیرید تا پس از احراز هویت به‌روز شود.

> نکته امنیتی: کارشناسان ما هرگز گذرواژه یا کد تأیید شما را نمی‌پرسند."""

RESET_EN = """Forgot your password? You can set a new one in a few minutes.

## Steps
1. On the sign-in page, choose **Forgot my password**.
2. Enter the e-mail address or mobile number you registered with.
3. Open the link or 6-digit code we send you; it is valid for 30 minutes.
4. Choose a new password of at least 10 characters.

## If the e-mail or SMS does not arrive
- Check your spam folder.
- If your mobile number has changed, contact support so we can update it after verifying your identity.

> Security note: our staff will never ask for your password or verification code."""

TRACK_FA = """هر درخواستی که برای پشتیبانی می‌فرستید یک **شماره پیگیری** می‌گیرد (مانند T-000123).

## کجا وضعیت را ببینم؟
- در پورتال مشتریان، بخش «درخواست‌های من» همه تیکت‌ها و آخرین پاسخ‌ها را نشان می‌دهد.
- با پاسخ دادن به ایمیل تیکت، پیام شما به همان درخواست اضافه می‌شود؛ لازم نیست درخواست تازه بسازید.

## معنی وضعیت‌ها
- **در انتظار پاسخ شما**: برای ادامه کار به اطلاعاتی از شما نیاز داریم.
- **حل‌شده**: اگر تا ۷ روز پاسخی نفرستید بسته می‌شود؛ اگر مشکل برگشت، کافی است پاسخ دهید تا دوباره باز شود."""

OUTAGE_FA = """چک‌لیست داخلی کارشناسان برای تیکت‌های «قطعی اینترنت».

## پیش از پاسخ
- وضعیت شبکه در منطقه مشتری را در داشبورد پایش ببینید؛ اگر قطعی گسترده اعلام شده، پاسخ آماده «قطعی گسترده» را بفرستید.
- شماره اشتراک و نشانی نصب را با پرونده مشتری تطبیق دهید.

## از مشتری بخواهید
1. مودم را ۳۰ ثانیه خاموش و دوباره روشن کند.
2. وضعیت چراغ‌های DSL و Internet را بگوید.
3. در صورت امکان، با کابل شبکه مستقیم وصل شود و دوباره امتحان کند.

## ارجاع
اگر چراغ DSL خاموش است یا چشمک می‌زند، تیکت را با ذکر نتیجه آزمایش‌ها به سطح ۲ (فنی) ارجاع دهید."""

INVOICE_EN = """You can download an official invoice for every paid order.

## How
1. Sign in to the customer portal and open **My orders**.
2. Choose the order and click **Download invoice (PDF)**.

The invoice shows your company's national ID and economic code as registered on your account.
If they are missing or wrong, reply to your order ticket with the correct details and we will
issue a corrected invoice within two working days."""

CANNED = [
    (
        "دریافت درخواست",
        "fa",
        "سلام {{customer.first_name}} عزیز،\n\nدرخواست شما با شماره پیگیری {{ticket.reference}} "
        "ثبت شد و در حال بررسی است. به‌زودی نتیجه را اطلاع می‌دهیم.\n\nبا احترام،\n{{agent.name}}",
    ),
    (
        "Request received",
        "en",
        "Hello {{customer.first_name}},\n\nThank you for contacting us. Your request "
        "{{ticket.reference}} is being looked at and we will update you shortly.\n\n"
        "Best regards,\n{{agent.name}}",
    ),
    (
        "درخواست اطلاعات بیشتر",
        "fa",
        "سلام {{customer.first_name}} عزیز،\n\nبرای ادامه بررسی درخواست {{ticket.reference}} "
        "لطفاً تصویر پیام خطا و زمان دقیق بروز مشکل را برای ما بفرستید.\n\nسپاس،\n{{agent.name}}",
    ),
]


@transaction.atomic
def load_samples(user=None) -> SampleResult:
    result = SampleResult()
    account, _ = ArticleCategory.objects.get_or_create(name="حساب کاربری")
    support, _ = ArticleCategory.objects.get_or_create(name="پشتیبانی")
    billing, _ = ArticleCategory.objects.get_or_create(name="مالی و فاکتور")
    internal, _ = ArticleCategory.objects.get_or_create(name="راهنمای کارشناسان")

    def article(title, body, language, category, visibility, tags):
        existing = Article.objects.filter(title=title).first()
        if existing is not None:
            return existing
        result.articles += 1
        return services.save_article(
            None,
            user=user,
            title=title,
            body=body,
            language=language,
            category=category,
            status="published",
            visibility=visibility,
            tags=tags,
        )

    reset_fa = article(
        "چگونه گذرواژه حساب کاربری را بازیابی کنم؟",
        RESET_FA,
        "fa",
        account,
        "public",
        ["ورود", "گذرواژه"],
    )
    reset_en = article(
        "How do I reset my password?", RESET_EN, "en", account, "public", ["sign-in", "password"]
    )
    if reset_fa.translation_id != reset_en.pk:
        services.set_translation(reset_fa, reset_en)
    article("پیگیری وضعیت درخواست پشتیبانی", TRACK_FA, "fa", support, "public", ["تیکت"])
    article(
        "چک‌لیست کارشناس: قطعی اینترنت", OUTAGE_FA, "fa", internal, "internal", ["اینترنت", "مودم"]
    )
    article("Downloading an official invoice", INVOICE_EN, "en", billing, "public", ["invoice"])

    for title, language, body in CANNED:
        if not CannedResponse.objects.filter(title=title).exists():
            services.save_canned_response(
                None, user=user, title=title, body=body, language=language, is_shared=True
            )
            result.canned_responses += 1
    return result

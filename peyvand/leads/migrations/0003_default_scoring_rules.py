"""A starting set of scoring rules; every installation tunes them in the scoring editor."""

from django.db import migrations

# (label, attribute, operator, value, points)
RULES = [
    ("ارجاع یا رویداد", "channel", "in", "referral, event", 20),
    ("فرم وب‌سایت یا تماس تلفنی", "channel", "in", "website, phone", 10),
    ("ایمیل دارد", "has_email", "is", "", 5),
    ("شماره تلفن دارد", "has_phone", "is", "", 5),
    ("نام شرکت را داده است", "has_company", "is", "", 5),
    ("شرکت با دست‌کم ۱۰ نفر", "company_size", "gte", "10", 10),
    ("شرکت با دست‌کم ۱۰۰ نفر", "company_size", "gte", "100", 15),
    ("استان تهران", "province", "in", "تهران", 5),
    ("بیش از یک بار فرم پر کرده", "form_submits", "gte", "2", 15),
    ("به ایمیل پاسخ داده", "email_replies", "gte", "1", 15),
    ("در رویداد شرکت کرده", "event_attendance", "gte", "1", 15),
    ("فعالیت در هفته‌ی اخیر", "days_since_last_activity", "lte", "7", 10),
    ("بیش از یک ماه بی‌فعالیت", "days_since_last_activity", "gte", "30", -15),
]


def seed(apps, schema_editor):
    ScoringRule = apps.get_model("leads", "ScoringRule")
    if ScoringRule.objects.exists():
        return
    ScoringRule.objects.bulk_create(
        ScoringRule(
            label=label,
            attribute=attribute,
            operator=operator,
            value=value,
            points=points,
            order=index,
        )
        for index, (label, attribute, operator, value, points) in enumerate(RULES)
    )


def unseed(apps, schema_editor):
    apps.get_model("leads", "ScoringRule").objects.filter(label__in=[r[0] for r in RULES]).delete()


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_role_grants")]
    operations = [migrations.RunPython(seed, unseed)]

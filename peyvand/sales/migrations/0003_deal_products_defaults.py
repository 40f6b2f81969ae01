"""Deal lines link catalogue products; currencies follow commerce's list; the default roles get
their deals permissions; a starting pipeline and lost reasons (edited later in sales set-up)."""

import django.db.models.deletion
from django.db import migrations, models

PIPELINE = "فروش"
# (name, probability %, kind, required fields)
STAGES = [
    ("واجد شرایط", 10, "open", []),
    ("نیازسنجی", 25, "open", []),
    ("ارسال پیشنهاد", 50, "open", ["amount"]),
    ("مذاکره", 75, "open", ["amount", "expected_close"]),
    ("موفق", 100, "won", []),
    ("ناموفق", 0, "lost", []),
]
LOST_REASONS = [
    "قیمت بالا",
    "انتخاب رقیب",
    "نبود بودجه",
    "پاسخ نداد",
    "زمان نامناسب",
    "نیاز برطرف شد",
    "سایر",
]


def seed(apps, schema_editor):
    from peyvand.sales.roles import grant_deal_permissions

    grant_deal_permissions(apps.get_model("accounts", "Role"))

    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    LostReason = apps.get_model("sales", "LostReason")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name=PIPELINE, is_default=True, rotting_days=14)
        Stage.objects.bulk_create(
            Stage(
                pipeline=pipeline,
                name=name,
                order=index,
                probability=probability,
                kind=kind,
                required_fields=required,
            )
            for index, (name, probability, kind, required) in enumerate(STAGES)
        )
    if not LostReason.objects.exists():
        LostReason.objects.bulk_create(
            LostReason(name=name, order=index) for index, name in enumerate(LOST_REASONS)
        )


def unseed(apps, schema_editor):
    from peyvand.sales.roles import revoke_deal_permissions

    revoke_deal_permissions(apps.get_model("accounts", "Role"))

    Pipeline = apps.get_model("sales", "Pipeline")
    LostReason = apps.get_model("sales", "LostReason")
    Pipeline.objects.filter(name=PIPELINE, deals__isnull=True).delete()
    LostReason.objects.filter(name__in=LOST_REASONS, deals__isnull=True).delete()


CURRENCIES = [
    ("IRR", "Rial"),
    ("IRT", "Toman"),
    ("USD", "US dollar"),
    ("EUR", "Euro"),
    ("AED", "UAE dirham"),
    ("TRY", "Turkish lira"),
    ("CNY", "Chinese yuan"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0002_targets_forecast"),
        ("commerce", "0001_initial"),
        ("accounts", "0002_default_roles"),
    ]
    operations = [
        migrations.AddField(
            model_name="dealproduct",
            name="product",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="deal_lines",
                to="commerce.product",
                verbose_name="product",
            ),
        ),
        migrations.AlterField(
            model_name="deal",
            name="currency",
            field=models.CharField(
                choices=CURRENCIES, default="IRR", max_length=3, verbose_name="currency"
            ),
        ),
        migrations.AlterField(
            model_name="pipeline",
            name="currency",
            field=models.CharField(
                choices=CURRENCIES, default="IRR", max_length=3, verbose_name="default currency"
            ),
        ),
        migrations.RunPython(seed, unseed),
    ]

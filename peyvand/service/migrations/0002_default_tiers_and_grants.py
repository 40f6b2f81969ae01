"""The default support tiers L1/L2/L3 and the default roles' service-desk permissions."""

from django.db import migrations

TIERS = [
    ("L1", "پشتیبانی سطح یک", 1, "پاسخ به بیشتر درخواست‌ها؛ آنچه حل نشود به سطح بعد می‌رود."),
    ("L2", "کارشناسان محصول", 2, "کارشناسان محصول برای مشکلاتی که سطح یک حل نکرده است."),
    ("L3", "فنی و مهندسی", 3, "مهندسان و تأمین‌کنندگان، برای ایرادهای فنی و مشکلات عمیق."),
]


def forwards(apps, schema_editor):
    from peyvand.service.roles import grant_service_permissions

    SupportTier = apps.get_model("service", "SupportTier")
    for code, name, level, description in TIERS:
        SupportTier.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "description": description}
        )
    grant_service_permissions(apps.get_model("accounts", "Role"))


def backwards(apps, schema_editor):
    from peyvand.service.roles import SERVICE_GRANTS

    apps.get_model("service", "SupportTier").objects.filter(
        code__in=[t[0] for t in TIERS], tickets__isnull=True
    ).delete()
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=SERVICE_GRANTS):
        permissions = dict(role.permissions or {})
        for module in SERVICE_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("service", "0001_tickets"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(forwards, backwards)]

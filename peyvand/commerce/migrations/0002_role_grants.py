"""Give the default roles their products and orders permissions (admins can change them later)."""

from django.db import migrations


def grant(apps, schema_editor):
    from peyvand.commerce.roles import grant_commerce_permissions

    grant_commerce_permissions(apps.get_model("accounts", "Role"))


def revoke(apps, schema_editor):
    from peyvand.commerce.roles import COMMERCE_GRANTS

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=COMMERCE_GRANTS):
        permissions = dict(role.permissions or {})
        for module in COMMERCE_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("commerce", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]

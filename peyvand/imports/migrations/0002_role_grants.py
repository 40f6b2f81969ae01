"""Give Administrator and Manager the imports permissions (admins can change them afterwards)."""

from django.db import migrations


def grant(apps, schema_editor):
    from peyvand.imports.roles import grant_import_permissions

    grant_import_permissions(apps.get_model("accounts", "Role"))


def revoke(apps, schema_editor):
    from peyvand.imports.roles import IMPORT_GRANTS

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=IMPORT_GRANTS):
        permissions = dict(role.permissions or {})
        for module in IMPORT_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]

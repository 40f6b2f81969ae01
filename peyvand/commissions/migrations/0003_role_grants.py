"""Give the default roles their commissions permissions (admins can change them afterwards)."""

from django.db import migrations


def grant(apps, schema_editor):
    from peyvand.commissions.roles import grant_commission_permissions

    grant_commission_permissions(apps.get_model("accounts", "Role"))


def revoke(apps, schema_editor):
    from peyvand.commissions.roles import revoke_commission_permissions

    revoke_commission_permissions(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [
        ("commissions", "0002_lock_approved_statements"),
        ("accounts", "0002_default_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

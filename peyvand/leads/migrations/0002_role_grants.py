"""Give the default roles their leads permissions (admins can change them afterwards)."""

from django.db import migrations


def grant(apps, schema_editor):
    from peyvand.leads.roles import grant_lead_permissions

    grant_lead_permissions(apps.get_model("accounts", "Role"))


def revoke(apps, schema_editor):
    from peyvand.leads.roles import LEAD_GRANTS

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=LEAD_GRANTS):
        permissions = dict(role.permissions or {})
        for module in LEAD_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(grant, revoke)]

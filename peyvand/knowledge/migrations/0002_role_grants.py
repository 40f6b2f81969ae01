"""Give the default roles their knowledge-base permissions (admins can change them afterwards)."""

from django.db import migrations


def grant(apps, schema_editor):
    from peyvand.knowledge.roles import grant_knowledge_permissions

    grant_knowledge_permissions(apps.get_model("accounts", "Role"))


def revoke(apps, schema_editor):
    from peyvand.knowledge.roles import KNOWLEDGE_GRANTS

    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=KNOWLEDGE_GRANTS):
        permissions = dict(role.permissions or {})
        for module in KNOWLEDGE_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_articles_and_canned_responses"),
        ("accounts", "0002_default_roles"),
    ]
    operations = [migrations.RunPython(grant, revoke)]

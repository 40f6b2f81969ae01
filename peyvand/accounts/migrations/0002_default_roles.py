from django.db import migrations


def create_default_roles(apps, schema_editor):
    from peyvand.accounts.roles import ensure_default_roles

    ensure_default_roles(apps.get_model("accounts", "Role"))


def remove_default_roles(apps, schema_editor):
    from peyvand.accounts.roles import DEFAULT_ROLES

    apps.get_model("accounts", "Role").objects.filter(name__in=DEFAULT_ROLES, users=None).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_default_roles, remove_default_roles)]

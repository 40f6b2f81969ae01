"""Imports permissions of the default roles (granted by migration 0002; admins edit them later).

Importing also needs the target module's add permission (and change to update records)."""

ALL = ["add", "change", "delete", "export", "view"]

IMPORT_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"imports": ALL},
    "Manager": {"imports": ALL},
}


def grant_import_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=IMPORT_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in IMPORT_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])

"""Service-desk permissions of the default roles (granted by a migration; admins edit them)."""

ALL = ["add", "change", "delete", "export", "view"]

SERVICE_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"tickets": ALL, "service_setup": ALL},
    "Manager": {"tickets": ALL, "service_setup": ALL},
    "Support agent": {"tickets": ["add", "change", "view"]},
    "Sales representative": {"tickets": ["add", "view"]},
    "Marketer": {"tickets": ["view"]},
    "Read only": {"tickets": ["view"]},
}


def grant_service_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=SERVICE_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in SERVICE_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])

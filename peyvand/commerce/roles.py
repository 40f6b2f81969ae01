"""Products and orders permissions of the default roles (granted by migration 0002; admins edit
them later)."""

ALL = ["add", "change", "delete", "export", "view"]

COMMERCE_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"products": ALL, "orders": ALL},
    "Manager": {"products": ALL, "orders": ALL},
    "Sales representative": {"products": ["view"], "orders": ["add", "change", "view"]},
    "Marketer": {"products": ["view"], "orders": ["view"]},
    "Support agent": {"products": ["view"], "orders": ["view"]},
    "Read only": {"products": ["view"], "orders": ["view"]},
}


def grant_commerce_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=COMMERCE_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in COMMERCE_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])

"""Sales (deals) permissions of the default roles (granted by a migration; admins edit later)."""

ALL = ["add", "change", "delete", "export", "view"]

DEAL_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"deals": ALL, "sales_setup": ALL},
    "Manager": {"deals": ALL, "sales_setup": ALL},
    "Sales representative": {"deals": ["add", "change", "view"], "sales_setup": ["view"]},
    "Marketer": {"deals": ["view"]},
    "Support agent": {"deals": ["view"]},
    "Read only": {"deals": ["view"]},
}


def grant_deal_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=DEAL_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in DEAL_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])


def revoke_deal_permissions(role_model) -> None:
    for role in role_model.objects.filter(name__in=DEAL_GRANTS):
        permissions = dict(role.permissions or {})
        for module in DEAL_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])

"""Commissions permissions of the default roles (granted by migration 0003; admins edit them).

view: own statements (managers: their teams', per the module's sharing rule); change: compute,
review and approve statements; add/change/delete: plans; export: CSV of statements."""

ALL = ["add", "change", "delete", "export", "view"]

COMMISSION_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"commissions": ALL},
    "Manager": {"commissions": ALL},
    "Sales representative": {"commissions": ["view"]},
}


def grant_commission_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=COMMISSION_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in COMMISSION_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])


def revoke_commission_permissions(role_model) -> None:
    for role in role_model.objects.filter(name__in=COMMISSION_GRANTS):
        permissions = dict(role.permissions or {})
        for module in COMMISSION_GRANTS[role.name]:
            permissions.pop(module, None)
        role.permissions = permissions
        role.save(update_fields=["permissions"])

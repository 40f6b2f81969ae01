"""Leads permissions of the default roles (granted by migration 0002; admins edit them later)."""

ALL = ["add", "change", "delete", "export", "view"]

LEAD_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"leads": ALL, "lead_setup": ALL},
    "Manager": {"leads": ALL, "lead_setup": ALL},
    "Sales representative": {"leads": ["add", "change", "view"]},
    "Marketer": {"leads": ["add", "view"], "lead_setup": ["view"]},
    "Support agent": {"leads": ["add", "view"]},
    "Read only": {"leads": ["view"]},
}


def grant_lead_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=LEAD_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in LEAD_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])

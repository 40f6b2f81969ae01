"""Knowledge-base permissions of the default roles (granted by migration 0002; admins edit them
later). Everyone reads the knowledge base; support agents also write it."""

ALL = ["add", "change", "delete", "export", "view"]

KNOWLEDGE_GRANTS: dict[str, dict[str, list[str]]] = {
    "Administrator": {"knowledge": ALL},
    "Manager": {"knowledge": ALL},
    "Support agent": {"knowledge": ["add", "change", "view"]},
    "Sales representative": {"knowledge": ["view"]},
    "Marketer": {"knowledge": ["view"]},
    "Read only": {"knowledge": ["view"]},
}


def grant_knowledge_permissions(role_model) -> None:
    """Add the grants above to the roles of those names that exist (never removes any)."""
    for role in role_model.objects.filter(name__in=KNOWLEDGE_GRANTS):
        permissions = dict(role.permissions or {})
        for module, actions in KNOWLEDGE_GRANTS[role.name].items():
            permissions[module] = sorted(set(permissions.get(module, [])) | set(actions))
        role.permissions = permissions
        role.save(update_fields=["permissions"])

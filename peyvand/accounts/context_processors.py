from . import permissions


def module_permissions(request) -> dict:
    """PERMS.contacts -> {"view", "add", ...} for templates: `{% if "add" in PERMS.contacts %}`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"PERMS": {}}
    return {
        "PERMS": {
            module.code: {
                a for a in permissions.ACTIONS if permissions.has_perm(user, module.code, a)
            }
            for module in permissions.modules()
        }
    }

"""The roles a new installation starts with; admins edit them or add their own."""

from django.utils.translation import gettext_noop

from . import permissions as p

ALL = [p.VIEW, p.ADD, p.CHANGE, p.DELETE, p.EXPORT]
WORK = [p.VIEW, p.ADD, p.CHANGE]

DEFAULT_ROLES: dict[str, dict[str, list[str]]] = {
    gettext_noop("Administrator"): {
        p.CONTACTS: ALL,
        p.TIMELINE: ALL,
        p.TASKS: ALL,
        p.REPORTS: [p.VIEW, p.EXPORT],
        p.SETTINGS: ALL,
    },
    gettext_noop("Manager"): {
        p.CONTACTS: ALL,
        p.TIMELINE: ALL,
        p.TASKS: ALL,
        p.REPORTS: [p.VIEW, p.EXPORT],
        p.SETTINGS: [p.VIEW],
    },
    gettext_noop("Sales representative"): {
        p.CONTACTS: WORK,
        p.TIMELINE: WORK,
        p.TASKS: WORK,
        p.REPORTS: [p.VIEW],
    },
    gettext_noop("Support agent"): {
        p.CONTACTS: WORK,
        p.TIMELINE: WORK,
        p.TASKS: WORK,
    },
    gettext_noop("Marketer"): {
        p.CONTACTS: [p.VIEW, p.EXPORT],
        p.TIMELINE: [p.VIEW],
        p.TASKS: WORK,
        p.REPORTS: [p.VIEW],
    },
    gettext_noop("Read only"): {
        p.CONTACTS: [p.VIEW],
        p.TIMELINE: [p.VIEW],
        p.TASKS: [p.VIEW],
    },
}


def ensure_default_roles(role_model) -> None:
    for name, grants in DEFAULT_ROLES.items():
        role_model.objects.get_or_create(name=name, defaults={"permissions": grants})

"""A small but complete import target for the engine's tests: people stored as inactive
accounts.User rows (a real table, so batch transactions and rollbacks are real).

It doubles as a reference implementation of the contract for module authors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from peyvand.accounts.models import Notification
from peyvand.imports import registry as r
from peyvand.imports.models import ImportJob

PEOPLE = "test-people"


class PeopleTarget(r.ImportTarget):
    code = PEOPLE
    label = "People (test)"
    module = "contacts"
    match_keys = ("external_id", "phone", "email")
    fields = (
        r.external_id_field(),
        r.ImportField("first_name", "First name", required=True, aliases=("first name", "نام")),
        r.ImportField("last_name", "Last name", aliases=("last name", "نام خانوادگی")),
        r.ImportField("phone", "Mobile", kind=r.PHONE, aliases=("mobile", "موبایل", "تلفن همراه")),
        r.ImportField("email", "E-mail", kind=r.EMAIL, aliases=("email", "ایمیل")),
        r.ImportField("joined", "Joined", kind=r.DATE, aliases=("joined", "تاریخ عضویت")),
        r.ImportField("budget", "Budget", kind=r.MONEY, aliases=("budget", "بودجه")),
    )
    # Crash / cancel injection for the resume tests.
    fail_on_row: int | None = None
    cancel_on_row: int | None = None
    batches: list[list[int]]

    def __init__(self) -> None:
        self.batches = []

    def clean_row(self, values: dict[str, str]) -> r.CleanRow:
        row = super().clean_row(values)
        if not row.errors and not (row.values.get("phone") or row.values.get("email")):
            row.add_error("phone", _("Enter a phone number or an e-mail address."))
        if "budget" in row.values and row.values["budget"] > 10**12:
            row.add_warning("budget", "Unusually large budget.")
        return row

    @staticmethod
    def _username(values: dict[str, Any]) -> str:
        return f"imp:{values.get('phone') or values.get('email')}"

    def write_batch(
        self, rows: list[r.ImportRow], *, job_context: r.JobContext, mode: str
    ) -> list[r.RowOutcome]:
        self.batches.append([row.number for row in rows])
        numbers = {row.number for row in rows}
        if self.cancel_on_row in numbers and job_context.job_id:
            ImportJob.objects.filter(pk=job_context.job_id).update(cancel_requested=True)
        if self.fail_on_row in numbers:
            raise RuntimeError("injected failure")
        User = get_user_model()
        known = r.find_external(self.code, job_context.source, [row.external_id for row in rows])
        usernames = {self._username(row.values) for row in rows}
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        by_id = {u.pk: u for u in User.objects.filter(pk__in=known.values())}
        same_as = r.duplicates_in_batch(rows, ["external_id", "phone", "email"])
        made: dict[int, Any] = {}  # row number -> user created/updated in this batch
        outcomes: list[r.RowOutcome] = []
        new_refs: dict[str, int] = {}
        for row in rows:
            values = {
                "first_name": row.values.get("first_name", ""),
                "last_name": row.values.get("last_name", ""),
                "email": row.values.get("email", ""),
            }
            if row.number in same_as and same_as[row.number] in made:
                user = made[same_as[row.number]]
                outcomes.append(
                    r.RowOutcome(
                        row.number,
                        r.SKIPPED,
                        user.pk,
                        message=f"Same as row {same_as[row.number]}",
                    )
                )
                made[row.number] = user
                continue
            user = by_id.get(known.get(row.external_id)) if row.external_id else None
            if user is None and mode != r.CREATE:
                user = existing.get(self._username(row.values))
            if user is not None:
                if mode in (r.SKIP, r.CREATE):
                    outcomes.append(r.RowOutcome(row.number, r.SKIPPED, user.pk))
                else:
                    previous = r.changed_fields(user, values, mode)
                    if previous:
                        user.save(update_fields=list(previous))
                    outcomes.append(r.RowOutcome(row.number, r.UPDATED, user.pk, previous=previous))
            else:
                username = self._username(row.values)
                if username in existing:  # CREATE mode: a second account needs its own name
                    username = f"{username}#{row.number}"
                user = User(username=username, is_active=False, **values)
                user.set_unusable_password()
                user.save()
                existing.setdefault(username, user)
                outcomes.append(r.RowOutcome(row.number, r.CREATED, user.pk))
            made[row.number] = user
            if row.external_id and row.external_id not in known:
                new_refs[row.external_id] = user.pk
        r.remember_external(self.code, job_context.source, new_refs)
        return outcomes

    def blockers(self, ids: Sequence[int]) -> list[str]:
        count = Notification.objects.filter(user_id__in=ids).count()
        return [f"{count} notifications were sent to these people."] if count else []

    def undo(self, created_ids: Sequence[int], restored: dict[int, dict[str, Any]]) -> None:
        User = get_user_model()
        User.objects.filter(pk__in=created_ids).delete()
        for user in User.objects.filter(pk__in=restored):
            r.restore_fields(user, restored[user.pk])
            user.save(update_fields=list(restored[user.pk]))

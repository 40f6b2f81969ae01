"""Service-desk pages. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peyvand.accounts.models import Team, User
from peyvand.accounts.permissions import ADD, CHANGE, DELETE, VIEW, has_perm, permission_required
from peyvand.contacts.models import Contact
from peyvand.core.pagination import InvalidCursor, paginate_keyset
from peyvand.core.phones import InvalidPhoneNumber, normalize_phone

from . import hooks, selectors, services
from .attachments import attachment_response
from .forms import (
    AssignForm,
    EscalateForm,
    LinkForm,
    MergeForm,
    MessageForm,
    NewTicketForm,
    RoutingRuleForm,
    SplitForm,
    StatusForm,
    SupportTierForm,
    TicketCategoryForm,
    TicketEditForm,
)
from .models import (
    SERVICE_SETUP,
    TICKETS,
    RoutingRule,
    SupportTier,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketChannel,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

PAGE_SIZE = 50


_requires = permission_required


def _ticket(request: HttpRequest, pk: int) -> Ticket:
    ticket = selectors.visible_ticket(request.user, pk)
    if ticket is None:
        raise Http404
    return ticket


def _service_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- Queues and the list ------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.TicketFilters:
    get = request.GET
    status = get.get("status", "")
    return selectors.TicketFilters(
        status=status if status in TicketStatus.values or status == "active" else "",
        tier=_int(get.get("tier")),
        priority=get.get("priority", "") if get.get("priority") in TicketPriority.values else "",
        assignee=_int(get.get("assignee")),
        team=_int(get.get("team")),
        channel=get.get("channel", "") if get.get("channel") in TicketChannel.values else "",
        category=_int(get.get("category")),
        unassigned=get.get("unassigned") == "1",
        q=(get.get("q") or "").strip()[:100],
    )


def _render_list(request, qs, order, *, title: str, queue: str, filters=None) -> HttpResponse:
    try:
        page = paginate_keyset(qs, order=order, cursor=request.GET.get("cursor"), limit=PAGE_SIZE)
    except InvalidCursor:
        return redirect(request.path)
    context = {"page": page, "title": title, "queue": queue, "filters": filters}
    if filters is not None:
        context.update(
            {
                "statuses": TicketStatus.choices,
                "priorities": TicketPriority.choices,
                "channels": TicketChannel.choices,
                "tiers": list(SupportTier.objects.order_by("level")),
                "categories": list(TicketCategory.objects.order_by("order", "name")),
                "agents": list(
                    User.objects.filter(is_active=True)
                    .only("id", "username", "first_name", "last_name")
                    .order_by("first_name", "username")
                ),
                "teams": list(Team.objects.only("id", "name").order_by("name")),
            }
        )
    return render(request, "service/list.html", context)


@_requires(TICKETS, VIEW)
def queue_mine(request: HttpRequest) -> HttpResponse:
    return _render_list(
        request,
        selectors.my_queue(request.user),
        selectors.QUEUE_ORDER,
        title=_("My queue"),
        queue="mine",
    )


@_requires(TICKETS, VIEW)
def queue_team(request: HttpRequest) -> HttpResponse:
    return _render_list(
        request,
        selectors.team_queue(request.user),
        selectors.QUEUE_ORDER,
        title=_("Team queue"),
        queue="team",
    )


@_requires(TICKETS, VIEW)
def queue_unassigned(request: HttpRequest) -> HttpResponse:
    return _render_list(
        request,
        selectors.unassigned_queue(request.user),
        selectors.LIST_ORDER,
        title=_("Unassigned"),
        queue="unassigned",
    )


@_requires(TICKETS, VIEW)
def ticket_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    return _render_list(
        request,
        selectors.ticket_list(request.user, filters),
        selectors.LIST_ORDER,
        title=_("All tickets"),
        queue="all",
        filters=filters,
    )


# --- New ticket (on the phone) ------------------------------------------------------------------


def _caller(request: HttpRequest, raw: str) -> dict:
    try:
        phone = normalize_phone(raw)
    except InvalidPhoneNumber:
        return {}
    return selectors.caller_match(request.user, phone)


@_requires(TICKETS, ADD)
def new_ticket(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NewTicketForm(request.POST, request.FILES)
        match = _caller(request, request.POST.get("phone", ""))
        if form.is_valid():
            data = form.cleaned_data
            contact = match.get("contact")
            if data.get("contact"):
                contact = (
                    Contact.objects.visible_to(request.user).filter(pk=data["contact"]).first()
                )
            try:
                ticket = services.open_ticket(
                    user=request.user,
                    data={
                        "subject": data["subject"],
                        "description": data["description"],
                        "channel": data["channel"],
                        "category": data["category"],
                        "priority": data["priority"],
                        "tags": data["tags"],
                        "contact": contact,
                        "requester_name": data["requester_name"],
                        "requester_email": data["requester_email"],
                        "requester_phone": data["phone"],
                        "assignee": request.user if data["assign_to_me"] else None,
                    },
                    attachments=data["attachments"],
                )
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(
                    request, _("Ticket %(ref)s was opened.") % {"ref": ticket.reference}
                )
                if selectors.visible_ticket(request.user, ticket.pk) is not None:
                    return redirect(ticket)
                return redirect("service:new")
    else:
        raw = request.GET.get("phone", "")
        match = _caller(request, raw) if raw else {}
        initial = {"phone": raw}
        if match.get("contact"):
            initial.update(contact=match["contact"].pk, requester_name=match["contact"].full_name)
        form = NewTicketForm(initial=initial)
    return render(
        request,
        "service/new.html",
        {"form": form, "match": match},
        status=422 if form.errors else 200,
    )


@_requires(TICKETS, ADD)
def caller_lookup(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("phone", "")
    return render(
        request,
        "service/_caller.html",
        {"match": _caller(request, raw) if raw else {}, "raw": raw},
    )


# --- One ticket ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, ticket: Ticket, **forms) -> dict:
    user = request.user
    can_change = has_perm(user, TICKETS, CHANGE)
    history = selectors.ticket_history(user, ticket)
    customer = ticket.contact or ticket.company
    can_see_customer = False
    if ticket.contact_id:
        can_see_customer = Contact.objects.visible_to(user).filter(pk=ticket.contact_id).exists()
    elif ticket.company_id:
        from peyvand.contacts.models import Company

        can_see_customer = Company.objects.visible_to(user).filter(pk=ticket.company_id).exists()
    side = {}
    if customer is not None and can_see_customer:
        side = selectors.customer_tickets(
            user,
            **({"contact": ticket.contact} if ticket.contact_id else {"company": ticket.company}),
            limit=6,
        )
        side["timeline"] = _recent_timeline(user, ticket)
    return {
        "ticket": ticket,
        "conversation": selectors.conversation(ticket),
        "tags": list(ticket.tags.all()),
        **history,
        "can_change": can_change,
        "customer": customer if can_see_customer else None,
        "customer_side": side,
        "side_templates": hooks.side_panel_templates(),
        "message_form": forms.get("message_form") or MessageForm(),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": ticket.status}),
        "assign_form": forms.get("assign_form")
        or AssignForm(initial={"user": ticket.assignee_id, "team": ticket.team_id}),
        "escalate_form": forms.get("escalate_form") or EscalateForm(),
        "merge_form": forms.get("merge_form") or MergeForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "edit_form": forms.get("edit_form")
        or TicketEditForm(
            initial={
                "subject": ticket.subject,
                "category": ticket.category_id,
                "priority": ticket.priority,
                "tags": [t.name for t in ticket.tags.all()],
            }
        ),
    }


def _recent_timeline(user, ticket: Ticket) -> list:
    from peyvand.timeline.models import TimelineEntry

    qs = TimelineEntry.objects.visible_to(user)
    qs = (
        qs.filter(contact=ticket.contact)
        if ticket.contact_id
        else qs.filter(company=ticket.company)
    )
    return list(qs.select_related("author").order_by("-occurred_at", "-id")[:8])


@_requires(TICKETS, VIEW)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    return render(request, "service/ticket.html", _detail_context(request, ticket))


def _invalid(request, ticket, key: str, form) -> HttpResponse:
    return render(
        request, "service/ticket.html", _detail_context(request, ticket, **{key: form}), status=422
    )


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_message(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "note":
                services.add_note(
                    ticket, user=request.user, body=data["body"], attachments=data["attachments"]
                )
                if data["status"]:
                    services.change_status(ticket, data["status"], user=request.user)
            elif data["kind"] == "customer":
                message = services.add_customer_message(
                    ticket,
                    body=data["body"],
                    user=request.user,
                    channel=ticket.channel,
                    attachments=data["attachments"],
                )
                if message.ticket_id != ticket.pk:
                    messages.info(
                        request,
                        _("The ticket was closed, so a follow-up ticket was opened."),
                    )
                    return redirect(message.ticket)
            else:
                services.add_reply(
                    ticket,
                    user=request.user,
                    body=data["body"],
                    attachments=data["attachments"],
                    status=data["status"] or None,
                )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Added to the conversation."))
            return redirect(ticket)
    return _invalid(request, ticket, "message_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_status(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.change_status(
                ticket,
                form.cleaned_data["status"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The status was changed."))
            return redirect(ticket)
    return _invalid(request, ticket, "status_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_assign(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.assign(
                ticket,
                by=request.user,
                user=form.cleaned_data["user"],
                team=form.cleaned_data["team"],
                strategy=form.cleaned_data["strategy"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The ticket was assigned."))
            if selectors.visible_ticket(request.user, ticket.pk) is None:
                return redirect("service:queue_mine")
            return redirect(ticket)
    return _invalid(request, ticket, "assign_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_take(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    try:
        services.assign(ticket, by=request.user, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The ticket is yours now."))
    return redirect(ticket)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = EscalateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        move = services.escalate if data["direction"] == "up" else services.de_escalate
        try:
            move(
                ticket,
                user=request.user,
                reason=data["reason"],
                to_tier=data["to_tier"],
                team=data["team"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The ticket moved to %(tier)s.") % {"tier": ticket.tier},
            )
            if selectors.visible_ticket(request.user, ticket.pk) is None:
                return redirect("service:queue_mine")
            return redirect(ticket)
    return _invalid(request, ticket, "escalate_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = TicketEditForm(request.POST)
    if form.is_valid():
        try:
            services.update_ticket(ticket, user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("The ticket was saved."))
            return redirect(ticket)
    return _invalid(request, ticket, "edit_form", form)


def _by_number(request: HttpRequest, number: int) -> Ticket | None:
    return Ticket.objects.visible_to(request.user).filter(number=number).first()


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_merge(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        survivor = _by_number(request, form.cleaned_data["into"])
        if survivor is None:
            form.add_error("into", _("No ticket with this reference."))
        else:
            try:
                services.merge_tickets(survivor, [ticket], user=request.user)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The ticket was merged into %(ref)s.") % {"ref": survivor.reference},
                )
                return redirect(survivor)
    return _invalid(request, ticket, "merge_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_link(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        other = _by_number(request, form.cleaned_data["reference"])
        if other is None:
            form.add_error("reference", _("No ticket with this reference."))
        else:
            try:
                services.link_tickets(ticket, other, user=request.user)
            except ValidationError as exc:
                _service_errors(form, exc)
            else:
                messages.success(request, _("The tickets are now related."))
                return redirect(ticket)
    return _invalid(request, ticket, "link_form", form)


@require_POST
@_requires(TICKETS, CHANGE)
def ticket_unlink(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    related = get_object_or_404(ticket.related.all(), pk=other)
    services.unlink_tickets(ticket, related, user=request.user)
    messages.success(request, _("The tickets are no longer related."))
    return redirect(ticket)


@require_POST
@_requires(TICKETS, CHANGE)
def message_split(request: HttpRequest, pk: int, message_id: int) -> HttpResponse:
    ticket = _ticket(request, pk)
    message = get_object_or_404(TicketMessage, pk=message_id, ticket=ticket)
    form = SplitForm(request.POST)
    form.is_valid()
    try:
        new = services.split_message(
            message, user=request.user, subject=form.cleaned_data.get("subject") or ""
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(ticket)
    messages.success(
        request, _("Ticket %(ref)s was opened from the message.") % {"ref": new.reference}
    )
    return redirect(new)


@_requires(TICKETS, VIEW)
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(TicketAttachment.objects.select_related("ticket"), pk=pk)
    if selectors.visible_ticket(request.user, item.ticket_id) is None:
        raise Http404
    return attachment_response(item)


# --- Set-up: tiers, categories, routing rules ---------------------------------------------------


@_requires(SERVICE_SETUP, VIEW)
def settings_tiers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "service/settings_tiers.html",
        {
            "tiers": list(SupportTier.objects.select_related("default_team").order_by("level")),
            "can_change": has_perm(request.user, SERVICE_SETUP, CHANGE),
        },
    )


@_requires(SERVICE_SETUP, CHANGE)
def tier_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    tier = get_object_or_404(SupportTier, pk=pk) if pk else SupportTier()
    form = SupportTierForm(request.POST or None, instance=tier)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The tier was saved."))
        return redirect("service:settings_tiers")
    return render(
        request,
        "service/settings_form.html",
        {
            "form": form,
            "title": (tier.pk and str(tier)) or _("New tier"),
            "back": "service:settings_tiers",
        },
        status=422 if form.errors else 200,
    )


@_requires(SERVICE_SETUP, VIEW)
def settings_categories(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "service/settings_categories.html",
        {
            "categories": list(
                TicketCategory.objects.select_related("parent").order_by("order", "name")
            ),
            "can_change": has_perm(request.user, SERVICE_SETUP, CHANGE),
        },
    )


@_requires(SERVICE_SETUP, CHANGE)
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    category = get_object_or_404(TicketCategory, pk=pk) if pk else TicketCategory()
    form = TicketCategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The category was saved."))
        return redirect("service:settings_categories")
    return render(
        request,
        "service/settings_form.html",
        {
            "form": form,
            "title": (category.pk and category.name) or _("New category"),
            "back": "service:settings_categories",
        },
        status=422 if form.errors else 200,
    )


@_requires(SERVICE_SETUP, VIEW)
def settings_rules(request: HttpRequest) -> HttpResponse:
    rules = RoutingRule.objects.select_related("set_tier", "set_team").prefetch_related(
        "categories"
    )
    return render(
        request,
        "service/settings_rules.html",
        {
            "rules": list(rules.order_by("order", "id")),
            "can_change": has_perm(request.user, SERVICE_SETUP, CHANGE),
            "can_delete": has_perm(request.user, SERVICE_SETUP, DELETE),
        },
    )


@_requires(SERVICE_SETUP, CHANGE)
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk) if pk else RoutingRule()
    form = RoutingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        if rule.pk is None:
            form.instance.order = services.next_rule_order()
        form.save()
        messages.success(request, _("The rule was saved."))
        return redirect("service:settings_rules")
    return render(
        request,
        "service/rule_form.html",
        {"form": form, "rule": rule},
        status=422 if form.errors else 200,
    )


@require_POST
@_requires(SERVICE_SETUP, CHANGE)
def rule_move(request: HttpRequest, pk: int) -> HttpResponse:
    services.move_rule(
        get_object_or_404(RoutingRule, pk=pk), up=request.POST.get("direction") == "up"
    )
    return redirect("service:settings_rules")


@require_POST
@_requires(SERVICE_SETUP, DELETE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(RoutingRule, pk=pk).delete()
    messages.success(request, _("The rule was deleted."))
    return redirect("service:settings_rules")

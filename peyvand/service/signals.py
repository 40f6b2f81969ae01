"""Hooks for the rest of the service desk (SLAs, e-mail, portal, knowledge) and apps above it.

All are sent inside the writing transaction, after the change is saved; sender is Ticket.

- ticket_opened: ticket, user (None for the customer or a system channel).
- ticket_status_changed: ticket, old (str), new (str), user. Resolved, closed, reopened,
  waiting... are all status changes; merged tickets are closed with this signal too.
- ticket_changed: ticket, changes ({field: [old, new]} for priority, category, tier, team,
  assignee, subject, contact...), user. Sent for assignment, escalation and edits.
- message_added: ticket, message (TicketMessage; message.kind is reply / note / customer),
  user (None for a customer message), first_response (bool: this reply was the first public
  reply on the ticket).
- ticket_escalated: ticket, escalation (Escalation; .direction up/down), user.
- tickets_merged: survivor, merged (list of tickets), user.
"""

from django.dispatch import Signal

ticket_opened = Signal()
ticket_status_changed = Signal()
ticket_changed = Signal()
message_added = Signal()
ticket_escalated = Signal()
tickets_merged = Signal()

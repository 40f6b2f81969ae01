"""Hooks for apps above commerce (sales, commissions, loyalty, analytics).

All are sent inside the service's transaction, after the change is written, with sender=Order:

- order_recorded: a new order was saved with its lines. kwargs: order, user, created (True).
- order_changed: an existing order changed (fields, lines or status). kwargs: order, user,
  changes ({field: [old, new]}; "lines": [old count, new count] when lines were replaced).
- order_status_changed: the status moved. kwargs: order, user, old_status, new_status.
  Sent before the matching order_changed."""

from django.dispatch import Signal

order_recorded = Signal()
order_changed = Signal()
order_status_changed = Signal()

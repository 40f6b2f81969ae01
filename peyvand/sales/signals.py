"""Hooks for apps above sales (commissions, reports).

All are sent inside the writing transaction, after the deal is saved:
- `deal_won`: sender=Deal; deal, user.
- `deal_lost`: sender=Deal; deal, user.
- `deal_reopened`: sender=Deal; deal, user (a won/lost deal is open again).
- `deal_stage_changed`: sender=Deal; deal, from_stage, to_stage, user."""

from django.dispatch import Signal

deal_won = Signal()
deal_lost = Signal()
deal_reopened = Signal()
deal_stage_changed = Signal()

from django import template

from peyvand.commerce.models import OrderStatus

register = template.Library()


@register.filter
def order_status_label(code: str) -> str:
    try:
        return str(OrderStatus(code).label)
    except ValueError:
        return code or ""

"""Background jobs of quotes (django-tasks)."""

from django_tasks import task


@task()
def expire_quote_job(quote_id: int) -> bool:
    """Deferred to the day after a sent quote's validity date (see quotes.send_quote)."""
    from .models import Quote
    from .quotes import expire_if_past_validity

    quote = Quote.objects.select_related("contact", "company").filter(pk=quote_id).first()
    return quote is not None and expire_if_past_validity(quote)

"""/api/v1/search: the global search, with the same matching, ranking and visibility as the
search box (see selectors.search)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from peyvand.accounts.permissions import login_only

from . import registry, selectors

router = Router(tags=["search"])


class SearchHitOut(Schema):
    kind: str = Field(..., description="contact, company, lead...")
    kind_label: str
    object_id: int
    title: str
    subtitle: str
    url: str


@router.get("", response=list[SearchHitOut], summary="Search every record you may see")
@login_only
def search(
    request,
    q: str = Query(..., max_length=selectors.MAX_QUERY_LENGTH),
    kind: str | None = Query(None, description="One kind or several, comma-separated."),
    limit: int = Query(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT),
):
    """Finds records by any part of a name (Persian letter variants, ZWNJ and digit scripts
    are equivalent), phone number in any format or its last digits, e-mail, national ID or
    tag, best matches first."""
    kinds = None
    if kind:
        kinds = [part.strip() for part in kind.split(",") if part.strip()]
        known = {k.kind for k in registry.kinds()}
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise ValidationError(
                {"kind": [_("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)}]}
            )
    hits = selectors.search(request.user, q, kinds=kinds, limit=limit)
    return [
        {
            "kind": hit.kind,
            "kind_label": hit.kind_label,
            "object_id": hit.object_id,
            "title": hit.title,
            "subtitle": hit.subtitle,
            "url": hit.url,
        }
        for hit in hits
    ]

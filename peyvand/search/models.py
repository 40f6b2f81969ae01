from django.db import models


class SearchEntry(models.Model):
    """One searchable record (a contact, a company; later leads, deals, tickets, articles).

    `terms` holds the Persian-normalised search key; the engine's full-text index is built over
    it (an FTS5 table kept in sync by triggers on SQLite, a GIN index on PostgreSQL). Owner and
    team are copied here so record-level sharing is applied inside the search query."""

    kind = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    subtitle = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=300)
    terms = models.TextField()
    owner_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"

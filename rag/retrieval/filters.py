"""The one filter type of retrieval: which publishers, and a published-date range.

The same three fields come from a reader's question (rag.retrieval.constraints.analyze), from the
CLI's --publisher/--after/--before and from the UI's boxes; retrieval applies them inside both
retrievers (rag.retrieval.hybrid)."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.storage.keys import date_key, publisher_key


@dataclass(eq=True)
class Filters:
    publishers: list[str] = field(default_factory=list)  # display names, as stored or as typed
    after: str = ""  # a date (rag.retrieval.constraints.date_bound: a day is included, a month or year is not)
    before: str = ""

    def keys(self) -> tuple[list[str], int | None, int | None]:
        """Publisher keys and inclusive YYYYMMDD bounds. A date that cannot be read is a ValueError:
        silently dropping it (or matching nothing) would answer a different question."""
        # Imported here: rag.retrieval.constraints builds Filters, so it cannot be imported at the top.
        from rag.retrieval.constraints import date_bound

        after = date_key(date_bound(self.after, "after")) if self.after.strip() else None
        before = date_key(date_bound(self.before, "before")) if self.before.strip() else None
        return [publisher_key(p) for p in self.publishers if p.strip()], after, before

    def as_dict(self) -> dict[str, object]:
        """The JSON form (the `from_question` part of the constraints dict): no date is None."""
        return {"publishers": self.publishers, "after": self.after or None, "before": self.before or None}

    def __bool__(self) -> bool:
        return bool(self.publishers or self.after or self.before)

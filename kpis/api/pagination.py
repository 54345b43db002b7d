"""Keyset (cursor) paging for the measurement list: newest first, by (period_start, id).

A page number costs a `COUNT(*)` over every row in reach and an `OFFSET` that reads and throws
away all rows before the page (page 40,000 of 2.2 M rows took 3.1 s). A cursor carries the last
row's (period_start, id) instead, and the next page starts right after it: one indexed range
read of page_size + 1 rows, as cheap on page 40,000 as on page 1, and no count.

REST framework's own CursorPagination keys on the first ordering field only and skips the rows
that share its value with an offset, capped at 1,000: a day holds ~1,200 measurements across 200
partners, so its cursor would repeat a page forever inside one day. Here the position is the
unique pair, so there is never an offset.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

MAX_ID = 2**63 - 1  # a bigint; a larger number would be a database error, not an invalid cursor


class MeasurementCursorPagination(CursorPagination):
    """`next` / `previous` links carry an opaque cursor; follow them. No `count`, no page numbers."""

    ordering = ("-period_start", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        return self.ordering  # never a client's `ordering`: the cursor depends on this one

    def _get_position_from_instance(self, instance, ordering):
        return f"{instance.period_start.isoformat()}_{instance.pk}"

    def _keyset(self, position: str) -> tuple[date, int]:
        try:
            day, pk = position.split("_")
            day, pk = date.fromisoformat(day), int(pk)
        except (TypeError, ValueError):
            raise NotFound(self.invalid_cursor_message) from None
        if not 0 <= pk <= MAX_ID:
            raise NotFound(self.invalid_cursor_message)
        return day, pk

    def paginate_queryset(self, queryset, request, view=None):
        """REST framework's, with the position filter on the pair (and no offset, positions being unique)."""
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.cursor = self.decode_cursor(request)
        if self.cursor is not None and self.cursor.offset:
            raise NotFound(self.invalid_cursor_message)
        reverse = bool(self.cursor and self.cursor.reverse)
        current_position = self.cursor.position if self.cursor else None

        if reverse:  # the page before the cursor: read upwards, then turn the rows round
            queryset = queryset.order_by("period_start", "id")
        else:
            queryset = queryset.order_by("-period_start", "-id")
        if current_position is not None:
            day, pk = self._keyset(current_position)
            # `period_start <=` on its own too, so the (partner, period_start) and period_start
            # indexes bound the range read; the pair decides within the cursor's day.
            if reverse:
                queryset = queryset.filter(Q(period_start__gte=day) & (Q(period_start__gt=day) | Q(id__gt=pk)))
            else:
                queryset = queryset.filter(Q(period_start__lte=day) & (Q(period_start__lt=day) | Q(id__lt=pk)))

        results = list(queryset[: self.page_size + 1])
        self.page = results[: self.page_size]
        has_following = len(results) > len(self.page)
        following_position = self._get_position_from_instance(self.page[-1], self.ordering) if has_following else None
        if reverse:
            self.page.reverse()
            self.has_next = True
            self.next_position = current_position
            self.has_previous = has_following
            self.previous_position = following_position
        else:
            self.has_next = has_following
            self.next_position = following_position
            self.has_previous = current_position is not None
            self.previous_position = current_position
        if (self.has_previous or self.has_next) and self.template is not None:
            self.display_page_controls = True
        return self.page

    def get_next_link(self):
        if not self.has_next:
            return None
        position = self._get_position_from_instance(self.page[-1], self.ordering) if self.page else self.next_position
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=position))

    def get_previous_link(self):
        if not self.has_previous:
            return None
        position = (
            self._get_position_from_instance(self.page[0], self.ordering) if self.page else self.previous_position
        )
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=position))

"""What the KPI pages share: reading a day and a download format from the query string, the KPI app's
service form page."""

from __future__ import annotations

from datetime import date

from django.http import Http404

from partnerportal.views import ServiceFormView


def parse_day(raw) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def export_format(request) -> str:
    """The `?format=` of a download: csv (the default) or xlsx; anything else is not found."""
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    return fmt


class KPIFormView(ServiceFormView):
    """The KPI app's service forms: a form with errors answers 200, as these pages always have.

    Host pages list `HostRequiredMixin` after this class, so `setup_view()` looks the page's objects
    up first: an object out of the user's reach is a 404 for everyone, as on every other page.
    """

    invalid_status = 200

    def get_context_data(self, **context):
        return {"view": self, **context}

"""What the KPI pages share: reading a day from the query string, the KPI app's service form page."""

from __future__ import annotations

from datetime import date

from partnerportal.views import ServiceFormView


def parse_day(raw) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


class KPIFormView(ServiceFormView):
    """The KPI app's service forms: a form with errors answers 200, as these pages always have.

    Host pages list `HostRequiredMixin` after this class, so `setup_view()` looks the page's objects
    up first: an object out of the user's reach is a 404 for everyone, as on every other page.
    """

    invalid_status = 200

    def get_context_data(self, **context):
        return {"view": self, **context}

"""Hub sections, dashboard panel and navigation of the KPI app (registered from KpisConfig.ready)."""

"""The measurement file's columns, in order: what the import reads, the bulk loader requires and
the exports write (an export can be corrected and imported again)."""

COLUMNS = ["partner", "kpi", "period_kind", "period_start", "site", "value", "numerator", "denominator", "sample_size"]
NUMBER_COLUMNS = ("value", "numerator", "denominator", "sample_size")
# The measurement export adds where each row came from; an import ignores that column.
EXPORT_COLUMNS = [*COLUMNS, "source"]

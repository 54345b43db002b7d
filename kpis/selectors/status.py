"""The rules that judge a KPI: its status against the target, its trend, the weighted overall score."""

from __future__ import annotations

ON_TARGET, WARNING, CRITICAL, NO_DATA = "on_target", "warning", "critical", "no_data"
STATUS_POINTS = {ON_TARGET: 1.0, WARNING: 0.5, CRITICAL: 0.0}


def status_of(*, higher_is_better: bool, actual, target, warning=None, critical=None) -> str:
    """Bands: beyond the critical threshold → critical; beyond the warning threshold (the target if
    none is set) → warning; otherwise on target. Reaching a threshold counts as crossing it."""
    if actual is None or target is None:
        return NO_DATA
    threshold = warning if warning is not None else target
    if higher_is_better:
        if critical is not None and actual <= critical:
            return CRITICAL
        return WARNING if actual < threshold else ON_TARGET
    if critical is not None and actual >= critical:
        return CRITICAL
    return WARNING if actual > threshold else ON_TARGET


def trend_of(actual, previous) -> str | None:
    if actual is None or previous is None:
        return None
    tolerance = max(abs(previous), abs(actual)) * 1e-9
    if actual > previous + tolerance:
        return "up"
    if actual < previous - tolerance:
        return "down"
    return "flat"


def overall_score(results) -> float | None:
    """Weighted share of points (on target 1, warning ½, critical 0) in percent; KPIs without data don't count."""
    total = weights = 0.0
    for r in results:
        if r.status in STATUS_POINTS:
            total += STATUS_POINTS[r.status] * r.weight
            weights += r.weight
    # Not rounded here: each place that shows it rounds it once (kpis.figures), 45.45… → "45 %".
    return 100 * total / weights if weights else None

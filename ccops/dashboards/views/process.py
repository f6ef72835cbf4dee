"""The process map page: the actual flow of work between offices, teams, work types and
statuses over a period, read from the event log."""

from ...kpis import process_map as pm
from ..tables import Cell, Table, fmt
from .base import DashboardView


class ProcessMapView(DashboardView):
    """Read from the nightly process-step snapshots: one query whatever the volume of
    events (the period ends yesterday, the last night computed)."""

    template_name = "ccops/dashboard/process_map.html"
    export_stem = "process-map"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        level = self.request.GET.get("level") or "work_type"
        level_error = ""
        if level not in pm.LEVELS:
            level_error = f"level: choose one of {', '.join(pm.LEVELS)}; showing work types."
            level = "work_type"
        flow = pm.flows(self.period.start, self.period.end, level)
        paths = Table(
            "paths",
            "Paths (count, time in the step before moving on)",
            ["From", "To", "Kind", "Items", "Median", "p90"],
            numeric_from=3,
            empty="No work moved in this period.",
        )
        for e in flow.edges:
            paths.add(
                f"{e.source[0]}: {e.source_label}",
                f"{e.target[0]}: {e.target_label}",
                e.kind_label,
                e.count,
                pm.duration(e.median_hours),
                pm.duration(e.p90_hours),
            )
        waits = Table(
            "waits",
            "Where items wait longest (median time in a status)",
            ["Where", "Waiting in", "Until", "Items", "Median"],
            numeric_from=3,
        )
        for e in flow.longest_waits:
            waits.add(
                e.source[0],
                e.source_label,
                e.target_label,
                e.count,
                Cell(pm.duration(e.median_hours), css="fw-semibold"),
            )
        query = self.request.GET.copy()
        query.pop("level", None)
        query.pop("export", None)
        context.update(
            flow=flow,
            level=level,
            levels=pm.LEVELS,
            level_label=pm.LEVELS[level],
            level_error=level_error,
            query_without_level=query.urlencode(),
            bounce_rate=fmt(flow.bounce_rate * 100 if flow.bounce_rate is not None else None, 1),
            tables=[waits, paths],
            node_w=pm.NODE_W,
            node_h=pm.NODE_H,
        )
        return context

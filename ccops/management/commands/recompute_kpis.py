"""Backfill KPI snapshots: ``manage.py recompute_kpis --from 2026-01-01 --to 2026-03-31``.

Runs the same service as the nightly task, one transaction per day, and shows a progress bar.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ccops.kpis import compute


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD).")


class Command(BaseCommand):
    help = "Recompute KPI and backlog snapshots for a range of days (inclusive)."

    def add_arguments(self, parser):
        yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
        parser.add_argument("--from", dest="start", default=yesterday, help="First day.")
        parser.add_argument("--to", dest="end", default=yesterday, help="Last day.")
        parser.add_argument(
            "--kpi", action="append", dest="kpis", help="Only this KPI (repeatable)."
        )
        parser.add_argument(
            "--no-backlog", action="store_true", help="Do not re-snapshot backlogs."
        )

    def handle(self, *args, start, end, kpis, no_backlog, **options):
        start, end = _date(start, "--from"), _date(end, "--to")
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        try:
            compute.select_kpis(kpis)
        except ValueError as exc:
            raise CommandError(f"--kpi: {exc}")
        total_seconds = 0.0
        tty = self.stdout.isatty()

        def progress(done: int, total: int, result) -> None:
            nonlocal total_seconds
            total_seconds += result.seconds
            width = 30
            filled = int(width * done / total)
            bar = "#" * filled + "-" * (width - filled)
            line = (
                f"[{bar}] {done}/{total} {100 * done // total:3d}%  {result.day}  "
                f"{result.agent_rows + result.scope_rows} rows  {result.seconds:.2f}s"
            )
            self.stdout.write(("\r" + line) if tty else line, ending="" if tty else "\n")

        results = compute.recompute_range(
            start, end, kpi_keys=kpis, backlog=not no_backlog, progress=progress
        )
        if tty:
            self.stdout.write("")
        rows = sum(r.agent_rows + r.scope_rows for r in results)
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {len(results)} day(s), {rows} KPI rows in {total_seconds:.1f}s."
            )
        )

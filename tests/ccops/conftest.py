import pytest


@pytest.fixture
def longer_live_readings(monkeypatch):
    """The live readings (backlog, today's tiles, wallboard) are shared for 3 s; tests that
    count the queries of a page read twice keep them for a minute, so a slow test machine
    cannot outlive the shared reading between the two reads."""
    from ccops.dashboards import live
    from workitems import selectors, today

    monkeypatch.setattr(selectors, "BACKLOG_MAX_AGE_SECONDS", 60)
    monkeypatch.setattr(today, "TODAY_MAX_AGE_SECONDS", 60)
    monkeypatch.setattr(live, "LIVE_MAX_AGE_SECONDS", 60)

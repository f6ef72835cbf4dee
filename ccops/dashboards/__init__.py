"""Supervisor dashboards: operations overview, shared goals, trends, team comparison,
drill-down office -> team -> agent, scorecards, the process map and pilots."""

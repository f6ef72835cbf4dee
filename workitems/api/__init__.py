"""REST API of work items under ``/api/v1/``: work types, customers, items and their
action endpoints, presence. Every write calls one service in ``workitems.services``."""

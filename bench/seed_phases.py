"""CPU and wall seconds of each phase of ``seed_demo`` (issue 24). Run from the repository
root after ``manage.py migrate``: ``python bench/seed_phases.py [seed_demo options]``."""
# ruff: noqa: E402

import functools
import importlib
import os
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccops.settings.base")
import django

django.setup()
from django.apps import apps
from django.core.management import call_command

from ccops import demo_kpis
from ccops.management.commands import seed_demo

times = []


def wrap(module, name, label):
    original = getattr(module, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times.append((label, time.process_time() - cpu, time.perf_counter() - wall))

    setattr(module, name, timed)


wrap(seed_demo, "seed_people", "ccops.seed_people")
wrap(demo_kpis, "after_seed", "ccops.demo_kpis.after_seed")
for config in apps.get_app_configs():
    try:
        module = importlib.import_module(config.name + ".demo")
    except ImportError:
        continue
    if config.name != "ccops" and hasattr(module, "seed"):
        wrap(module, "seed", config.name + ".seed")
    if hasattr(module, "after_seed"):
        wrap(module, "after_seed", config.name + ".after_seed")
cpu, wall = time.process_time(), time.perf_counter()
call_command("seed_demo", *sys.argv[1:])
print(f"TOTAL cpu {time.process_time() - cpu:.1f} wall {time.perf_counter() - wall:.1f}")
for label, c, w in times:
    print(f"{label:35s} cpu {c:6.1f}s wall {w:6.1f}s")

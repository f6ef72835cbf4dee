import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ccops import demo_kpis
from ccops.demo import DEMO_LOGINS, new_context, seed_people


class Command(BaseCommand):
    help = "Build (or refresh) the demo contact center. Deterministic; safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=48, help="Number of agents (>= 4).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when users already exist."
        )

    def handle(self, *args, agents, seed, if_empty, **options):
        from ccops.models import User

        if agents < 4:
            raise CommandError("--agents must be at least 4 (one per demo team).")
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has users: demo not loaded again.")
            if User.objects.filter(username="sup1").exists():
                self.stdout.write("Demo logins (unless you changed them):")
                for username, password, role in DEMO_LOGINS:
                    self.stdout.write(f"  {username:<10} {password:<16} {role}")
            return
        ctx = new_context(seed, stdout=self.stdout)
        with transaction.atomic():
            seed_people(ctx, agents=agents)
            ctx.log(f"People: {len(ctx.agents)} agents in {len(ctx.teams)} teams.")
            # Each app's demo.py, in INSTALLED_APPS order (lower layers first).
            for config in apps.get_app_configs():
                name = f"{config.name}.demo"
                if config.name == "ccops" or importlib.util.find_spec(name) is None:
                    continue
                importlib.import_module(name).seed(ctx)
        # Post steps run outside the big transaction: first the KPI framework's (shared
        # goals, a pilot, the KPI backfill), then each app's.
        demo_kpis.after_seed(ctx)
        for config in apps.get_app_configs():
            name = f"{config.name}.demo"
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            if hasattr(module, "after_seed"):
                module.after_seed(ctx)
        self.stdout.write(self.style.SUCCESS("Demo contact center ready. Logins:"))
        for username, password, role in ctx.logins:
            self.stdout.write(f"  {username:<10} {password:<16} {role}")

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ccops.management.simulation import Simulation, now


class Command(BaseCommand):
    help = (
        "Simulate today in the demo center: contacts and cases arrive in the forecast's "
        "shape, simulated agents take, work and close them (through the contact events and "
        "work-item services). Off in production (DEMO_SIMULATION)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agents", type=int, default=12, help="Simulated agents.")
        parser.add_argument("--speed", type=float, default=4.0, help="Times faster than real.")
        parser.add_argument("--tick", type=float, default=2.0, help="Seconds between steps.")
        parser.add_argument("--seconds", type=float, default=0, help="Stop after (0: never).")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, agents, speed, tick, seconds, seed, **options):
        if not settings.DEMO_SIMULATION:
            raise CommandError("The simulation is off here (DEMO_SIMULATION=False).")
        sim = Simulation(agents=agents, speed=speed, seed=seed)
        if not sim.front_types and not sim.back_types:
            raise CommandError("No work types: load the demo first (manage.py seed_demo).")
        sim.start(now())
        self.stdout.write(
            f"Simulating today with {len(sim.agents)} agents at {speed:g}x (Ctrl-C stops it)."
        )
        started, reported = time.monotonic(), 0
        try:
            while not seconds or time.monotonic() - started < seconds:
                time.sleep(tick)
                tally = sim.tick(now())
                if time.monotonic() - reported >= 60:
                    reported = time.monotonic()
                    self.stdout.write(
                        f"simulate: {tally.offered} contacts offered, {tally.answered} "
                        f"answered, {tally.abandoned} abandoned; {tally.cases} cases in, "
                        f"{tally.closed} closed"
                    )
        except KeyboardInterrupt:
            pass
        tally = sim.tally
        self.stdout.write(
            f"Simulated {tally.offered} contacts ({tally.answered} answered, "
            f"{tally.abandoned} abandoned, {tally.ended} ended) and {tally.cases} cases "
            f"({tally.closed} closed)."
        )

from django.apps import AppConfig


class StaffingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "staffing"
    verbose_name = "Staffing"

    def ready(self):
        from ccops import navigation, roles, schedules
        from ccops.choices import Role
        from training.services import register_shift_finder
        from workitems.scheduled_office import register_alert_source, register_office_finder

        from .permissions import PLAN_READERS, PLAN_WRITERS, SHIFT_EDITORS
        from .rta import supervised_alerts
        from .selectors import scheduled_office, shift_clash

        # Training sits below staffing and never imports it: shadowing sessions learn about
        # the participant's shifts through this finder.
        register_shift_finder(shift_clash)
        # Claim-next keeps cross-trained agents to their scheduled block's office (flex moves
        # switch it); see ``selectors.scheduled_office``.
        register_office_finder(scheduled_office)
        register_alert_source(supervised_alerts)

        navigation.register("Erlang calculator", "staffing:erlang", PLAN_READERS, order=300)
        navigation.register("Backlog plan", "staffing:backlog", PLAN_READERS, order=310)
        navigation.register("Forecasts", "staffing:forecasts", PLAN_READERS, order=320)
        navigation.register(
            "Plans", "staffing:plan_list", PLAN_READERS, order=330, home_for={Role.PLANNER}
        )
        navigation.register("Schedule", "staffing:schedule", SHIFT_EDITORS, order=340)
        navigation.register("Generate schedule", "staffing:schedule_runs", PLAN_WRITERS, order=345)
        navigation.register("Intraday", "staffing:intraday", PLAN_READERS, order=350)
        navigation.register("Adherence", "staffing:adherence", SHIFT_EDITORS, order=355)
        navigation.register("My schedule", "staffing:my_schedule", (Role.AGENT,), order=360)
        navigation.register(
            "Time off", "staffing:time_off", (Role.SUPERVISOR, Role.PLANNER), order=365
        )
        navigation.register(
            "Holiday balances",
            "staffing:balances",
            (Role.PLANNER, Role.HR, Role.SUPERVISOR),
            order=366,
            area="Staffing",
        )
        navigation.register(
            "Scheduling rules", "staffing:rules", SHIFT_EDITORS, order=367, area="Staffing"
        )

        view = {f"staffing.view_{m}" for m in MODELS}
        roles.grant(Role.PLANNER, "staffing.*")
        roles.grant(Role.SUPERVISOR, *view, "staffing.add_shift", "staffing.change_shift")
        roles.grant(Role.SUPERVISOR, "staffing.delete_shift")
        roles.grant(Role.SUPERVISOR, "staffing.add_adherenceexception")
        roles.grant(Role.ADMIN, "staffing.*")
        schedules.register(
            "staffing: rebuild forecasts (nightly)",
            "staffing.tasks.rebuild_forecasts",
            minute="30",
            hour="2",
        )
        schedules.register(
            "staffing: real-time adherence scan (every minute)",
            "staffing.tasks.adherence_scan",
            minute="*",
        )


MODELS = ("shift", "forecastvalue", "forecastoverride", "forecastbuild", "staffingplan", "planline")
MODELS += ("schedulerules", "schedulerun", "scheduledshift", "schedulecoverage")
MODELS += ("timeoffrequest", "timeoffallowance", "shifttrade")
MODELS += ("adherenceexception", "flexmove", "teamstaffingsettings")

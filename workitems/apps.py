from django.apps import AppConfig


class WorkitemsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workitems"
    verbose_name = "Work items"

    def ready(self):
        from ccops import navigation, schedules
        from ccops.choices import Role
        from ccops.roles import grant
        from training.escalations import register_reader

        from .selectors import buddy_escalations

        # Training sits below this app and never imports it: its buddy page lists open
        # escalations through this reader.
        register_reader(buddy_escalations)

        navigation.register(
            "My work", "workitems:my_work", {Role.AGENT}, order=10, home_for={Role.AGENT}
        )
        navigation.register(
            "Queue", "workitems:queue", {Role.SUPERVISOR}, order=20, home_for={Role.SUPERVISOR}
        )
        navigation.register("Presence", "workitems:presence_board", {Role.SUPERVISOR}, order=30)
        navigation.register("Import", "workitems:import", {Role.SUPERVISOR}, order=40)
        schedules.register("e-mail in (every minute)", "workitems.tasks.poll_mailboxes", minute="*")
        schedules.register(
            "SLA alerts (every 5 minutes)", "workitems.tasks.send_sla_alerts", minute="*/5"
        )

        # Model permissions (Django admin and API model checks); pages check roles.
        read = ("workitems.view_workitem", "workitems.view_worktype", "workitems.view_customer")
        grant(Role.AGENT, *read)
        grant(
            Role.SUPERVISOR,
            *read,
            "workitems.add_workitem",
            "workitems.change_workitem",
            "workitems.view_workitemevent",
            "workitems.view_agentpresence",
            "workitems.view_presencechange",
            "workitems.add_customer",
            "workitems.change_customer",
        )
        grant(
            Role.PLANNER,
            *read,
            "workitems.view_workitemevent",
            "workitems.view_agentpresence",
            "workitems.view_presencechange",
        )
        grant(Role.QA, *read, "workitems.view_workitemevent")
        grant(Role.HR, "workitems.view_agentpresence")
        grant(Role.ADMIN, "workitems.*")

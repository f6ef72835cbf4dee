from django.apps import AppConfig


class ContactsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contacts"
    verbose_name = "Contact events"

    def ready(self):
        from ccops.choices import Role
        from ccops.roles import grant

        grant(Role.SUPERVISOR, "contacts.view_contact", "contacts.view_contactevent")
        grant(Role.PLANNER, "contacts.view_contact")
        grant(Role.ADMIN, "contacts.*")

        from workitems.today import register_service_level

        from .selectors import today_service_level

        register_service_level(today_service_level)

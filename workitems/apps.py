from django.apps import AppConfig


class WorkitemsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workitems"

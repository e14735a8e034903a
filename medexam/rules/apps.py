from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.rules"
    label = "rules"
    default_auto_field = "django.db.models.BigAutoField"

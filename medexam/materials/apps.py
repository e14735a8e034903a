from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.materials"
    label = "materials"
    default_auto_field = "django.db.models.BigAutoField"

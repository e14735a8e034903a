from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.candidates"
    label = "candidates"
    default_auto_field = "django.db.models.BigAutoField"

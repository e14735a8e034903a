from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.files"
    label = "files"
    default_auto_field = "django.db.models.BigAutoField"

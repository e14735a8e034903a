from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.review"
    label = "review"
    default_auto_field = "django.db.models.BigAutoField"

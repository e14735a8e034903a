from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

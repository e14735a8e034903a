from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.precheck"
    label = "precheck"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "材料机器预检"

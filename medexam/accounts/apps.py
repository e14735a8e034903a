from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from medexam.accounts import signals

        signals.connect()

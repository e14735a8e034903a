from django.apps import AppConfig


class Config(AppConfig):
    name = "medexam.files"
    label = "files"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from medexam.files.private import on_connection_created, restrict_umask

        # Personal data in every file the product writes (medexam/files/private.py).
        restrict_umask()
        connection_created.connect(on_connection_created, dispatch_uid="medexam-private-sqlite")

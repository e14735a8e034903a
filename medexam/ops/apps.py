from django.apps import AppConfig


class Config(AppConfig):
    """Running the product on many machines: database roles, backups and restores."""

    name = "medexam.ops"
    label = "ops"

    def ready(self):
        from medexam.ops import checks  # noqa: F401 - registers the deploy checks

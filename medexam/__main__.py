"""`python -m medexam <command>`: Django's management commands behind one entry point."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"{sys.executable} -m medexam", *sys.argv[1:]])


if __name__ == "__main__":
    main()

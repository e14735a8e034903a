"""The WSGI application for gunicorn (`gunicorn medexam.wsgi --preload`).

With --preload the master imports everything once and the workers are forked from it:
the URL configuration (and with it every view module) is loaded here rather than by each
worker's first request, and gc.freeze() moves the start-up objects out of the garbage
collector's sight, so the workers neither traverse nor copy them (Python's gc docs:
"gc.freeze() ... before a POSIX fork() call").
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medexam.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imports the URL configuration and the views now
gc.freeze()

"""The project's URLs with the rules app mounted at /rules/, as the lead mounts it; used by
the view tests until (and after) medexam/urls.py includes it."""

from django.urls import include, path

from medexam.urls import urlpatterns as project_patterns

mounted = any(getattr(p, "namespace", None) == "rules" for p in project_patterns)
urlpatterns = list(project_patterns) + (
    [] if mounted else [path("rules/", include("medexam.rules.urls"))]
)

"""The product's URLs plus one view that fails, for the error-page tests."""

from django.urls import path

from medexam.urls import *  # noqa: F403
from medexam.urls import urlpatterns as product


def crash(request):
    raise RuntimeError("database on fire")


urlpatterns = [*product, path("crash/", crash)]

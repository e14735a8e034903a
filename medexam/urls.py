from django.urls import include, path

from medexam import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("medexam.accounts.urls")),
    path("candidate/", include("medexam.materials.urls")),
    path("messages/", include("medexam.messaging.urls")),
    path("review/", include("medexam.review.urls")),
    path("rules/", include("medexam.rules.urls")),
    path("api/", include("medexam.api.urls")),
    path("manage/candidates/", include("medexam.candidates.urls")),
    path("exports/", include("medexam.review.export_urls")),
]

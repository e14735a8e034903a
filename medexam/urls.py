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
]

# The product's own Chinese pages (medexam.errors; with DEBUG on, its middleware).
handler400 = "medexam.errors.bad_request"
handler403 = "medexam.errors.permission_denied"
handler404 = "medexam.errors.page_not_found"
handler500 = "medexam.errors.server_error"

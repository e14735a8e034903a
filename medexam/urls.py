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

# The product's own Chinese pages (medexam.error_pages; with DEBUG on, its middleware).
handler400 = "medexam.error_pages.bad_request"
handler403 = "medexam.error_pages.permission_denied"
handler404 = "medexam.error_pages.page_not_found"
handler500 = "medexam.error_pages.server_error"

from django.urls import include, path

from medexam import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.ready, name="healthz"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", health.metrics, name="metrics"),
    path("accounts/", include("medexam.accounts.urls")),
    path("candidate/", include("medexam.materials.urls")),
    path("messages/", include("medexam.messaging.urls")),
    path("review/", include("medexam.review.urls")),
    path("rules/", include("medexam.rules.urls")),
    path("api/", include("medexam.api.urls")),
    path("manage/candidates/", include("medexam.candidates.urls")),
    path("exports/", include("medexam.review.export_urls")),
    path("manage/staff/", include("medexam.accounts.staff_urls")),
    path("audit/", include("medexam.audit.urls")),
]

# The product's own Chinese pages (medexam.error_pages; with DEBUG on, its middleware). A
# 500 caused by a failed dependency answers 503 "please retry" instead (medexam.faults).
handler400 = "medexam.error_pages.bad_request"
handler403 = "medexam.error_pages.permission_denied"
handler404 = "medexam.error_pages.page_not_found"
handler500 = "medexam.faults.server_error"

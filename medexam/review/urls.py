from django.urls import path

from medexam.audit import views as audit_views
from medexam.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("search/", views.queue_search, name="queue_search"),
    path("next/", views.next_application, name="next"),
    path("bulk-approve/", views.bulk_approve, name="bulk_approve"),
    path("export/", views.queue_export, name="queue_export"),
    path("statistics/", views.statistics, name="statistics"),
    path("results/", views.results_export, name="results_export"),
    path("onsite/<str:token>/", views.onsite_scan, name="onsite_scan"),
    path("applications/<int:pk>/", views.application, name="application"),
    path("applications/<int:pk>/claim/", views.claim, name="claim"),
    path("applications/<int:pk>/id-number/", views.reveal_id_number, name="reveal_id_number"),
    path("applications/<int:pk>/release/", views.release, name="release"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
    path("applications/<int:pk>/onsite/", views.onsite, name="onsite"),
    path("applications/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("applications/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("applications/<int:pk>/calls/", views.phone_call, name="phone_call"),
    path("applications/<int:pk>/audit/", audit_views.application_log, name="audit_log"),
    path(
        "applications/<int:pk>/audit/export/",
        audit_views.application_log_export,
        name="audit_export",
    ),
]

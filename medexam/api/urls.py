from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from medexam.api import views

app_name = "api"
urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path("v1/exams/<slug:exam>/imports/", views.ImportView.as_view(), name="import"),
    path(
        "v1/exams/<slug:exam>/applications/<str:registration_no>/",
        views.ApplicationView.as_view(),
        name="application",
    ),
    path("v1/exams/<slug:exam>/results/", views.ResultsView.as_view(), name="results"),
    path("v1/imports/<uuid:job_uuid>/", views.ImportJobView.as_view(), name="import_job"),
    path("v1/exports/<uuid:job_uuid>/", views.ExportJobView.as_view(), name="export_job"),
    path("v1/exports/<uuid:job_uuid>/file/", views.ExportFileView.as_view(), name="export_file"),
]

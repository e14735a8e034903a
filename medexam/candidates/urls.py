from django.urls import path

from medexam.candidates import views

app_name = "candidates"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.template_download, name="template"),
    path("import/<uuid:job_uuid>/", views.import_job, name="import_job"),
    path("results/", views.export_request, name="export"),
]

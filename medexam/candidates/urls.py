from django.urls import path

from medexam.candidates import views

app_name = "candidates"
urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.template_download, name="template"),
    path("results/", views.export_download, name="export"),
]

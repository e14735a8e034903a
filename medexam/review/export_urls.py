from django.urls import path

from medexam.review import export_views

app_name = "exports"
urlpatterns = [
    path("<uuid:job_uuid>/", export_views.status, name="status"),
    path("<uuid:job_uuid>/download/", export_views.download, name="download"),
]

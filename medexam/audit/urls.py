from django.urls import path

from medexam.audit import views

app_name = "audit"
urlpatterns = [path("", views.full_log, name="log")]

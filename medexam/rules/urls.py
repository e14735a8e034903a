from django.urls import path

from . import views

app_name = "rules"

urlpatterns = [
    path("trial/", views.trial_period, name="trial_period"),
]

from django.urls import path

from medexam.accounts import staff_views

app_name = "staff"
urlpatterns = [
    path("", staff_views.staff_list, name="list"),
    path("<int:pk>/active/", staff_views.staff_active, name="active"),
    path("<int:pk>/password/", staff_views.staff_password, name="password"),
]

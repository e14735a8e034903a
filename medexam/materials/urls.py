from django.urls import path

from medexam.materials import views

app_name = "materials"
urlpatterns = [
    path("", views.registration, name="registration"),
    path("materials/", views.materials, name="materials"),
    path("materials/<slug:item_code>/upload/", views.upload, name="upload"),
    path("images/<uuid:image_uuid>/delete/", views.delete, name="delete"),
    path("images/<uuid:image_uuid>/confirm/", views.confirm, name="confirm"),
    path("images/<uuid:image_uuid>/use/", views.accept_proposal, name="accept_proposal"),
    path("submit/", views.submit, name="submit"),
    path("onsite-slip/", views.onsite_slip, name="onsite_slip"),
    path("files/<uuid:image_uuid>/", views.image_file, name="image"),
    path(
        "files/<uuid:image_uuid>/thumb/", views.image_file, {"variant": "thumb"}, name="thumbnail"
    ),
]

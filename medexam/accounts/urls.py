from django.contrib.auth import views as auth_views
from django.urls import path

from medexam.accounts import views
from medexam.accounts.forms import LoginForm
from medexam.accounts.models import VerificationCode

ACTIVATE = VerificationCode.Purpose.ACTIVATE
RESET = VerificationCode.Purpose.RESET

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        views.ThrottledLoginView.as_view(
            # login_links.html extends login.html with the activation / reset links.
            template_name="accounts/login_links.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("activate/", views.request_code_view, {"purpose": ACTIVATE}, name="activate"),
    path(
        "activate/password/",
        views.set_password_view,
        {"purpose": ACTIVATE},
        name="activate_password",
    ),
    path("reset/", views.request_code_view, {"purpose": RESET}, name="reset"),
    path("reset/password/", views.set_password_view, {"purpose": RESET}, name="reset_password"),
    path("otp/", views.otp_verify_view, name="otp_verify"),
    path("otp/enrol/", views.otp_enrol_view, name="otp_enrol"),
    path("password/change/", views.StaffPasswordChangeView.as_view(), name="password_change"),
    path("staff/", views.staff_list_view, name="staff"),
    path("staff/<int:user_id>/reset-otp/", views.staff_reset_otp_view, name="staff_reset_otp"),
]

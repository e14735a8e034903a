"""Activation and forgotten password: two steps, both through an SMS code (services)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from medexam.accounts import throttling
from medexam.accounts.forms import RequestCodeForm, SetPasswordWithCodeForm
from medexam.accounts.models import VerificationCode
from medexam.accounts.services import request_code, set_password_with_code
from medexam.errors import DomainError

TITLES: dict[str, str] = {
    VerificationCode.Purpose.ACTIVATE: "激活账号",
    VerificationCode.Purpose.RESET: "找回密码",
}
SESSION_KEY = "verification"


@require_http_methods(["GET", "POST"])
def request_code_view(request: HttpRequest, purpose: str) -> HttpResponse:
    form = RequestCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = request_code(
                id_number=form.cleaned_data["id_number"], purpose=purpose, request=request
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            # The session keeps the keyed hash only, never the ID number itself.
            request.session[SESSION_KEY] = {"subject": sent.subject, "purpose": purpose}
            if sent.masked_phone:
                messages.info(
                    request, f"验证码已发送至报名登记的手机 {sent.masked_phone}，10 分钟内有效。"
                )
            else:
                # Same next step either way, so the page does not reveal who is registered.
                messages.info(
                    request,
                    "如果该证件号码已导入本系统，验证码已发送至报名登记的手机。"
                    "未收到短信请核对证件号码，或联系考点工作人员。",
                )
            return redirect(f"accounts:{purpose}_password")
    return render(
        request,
        "accounts/request_code.html",
        {"form": form, "title": TITLES[purpose], "purpose": purpose},
    )


@require_http_methods(["GET", "POST"])
def set_password_view(request: HttpRequest, purpose: str) -> HttpResponse:
    state = request.session.get(SESSION_KEY)
    if not state or state.get("purpose") != purpose:
        messages.warning(request, "请先填写证件号码获取短信验证码。")
        return redirect("accounts:" + purpose)
    form = SetPasswordWithCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_password_with_code(
                subject=state["subject"],
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password1"],
                purpose=purpose,
                request=request,
            )
        except DomainError as exc:
            form.add_error("password1" if exc.code == "weak_password" else "code", exc.message)
        else:
            del request.session[SESSION_KEY]
            messages.success(request, "密码已设置。请使用证件号码和新密码登录。")
            return redirect("accounts:login")
    return render(
        request,
        "accounts/set_password.html",
        {"form": form, "title": TITLES[purpose], "purpose": purpose},
    )


class ThrottledLoginView(auth_views.LoginView):
    """The login page, refusing a name or an address after too many failures (throttling)."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if username and throttling.is_locked(username=username, request=request):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, throttling.locked_message())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")
        if username and self.request.POST.get("password"):
            throttling.record_failure(username=username, request=self.request)
        return super().form_invalid(form)

    def form_valid(self, form):
        throttling.clear_failures(username=self.request.POST.get("username", ""))
        return super().form_valid(form)

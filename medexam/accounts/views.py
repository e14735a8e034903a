"""Activation and forgotten password: two steps, both through an SMS code (services)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from medexam.accounts import second_factor, throttling
from medexam.accounts.decorators import AuthenticatedRequest, role_required
from medexam.accounts.forms import (
    ChinesePasswordChangeForm,
    OTPCodeForm,
    RequestCodeForm,
    SetPasswordWithCodeForm,
)
from medexam.accounts.middleware import start_verified_session
from medexam.accounts.models import User, VerificationCode
from medexam.accounts.roles import SECURITY_ADMIN
from medexam.accounts.services import masked_phone_of, request_code, set_password_with_code
from medexam.audit.services import record
from medexam.errors import DomainError

TITLES: dict[str, str] = {
    VerificationCode.Purpose.ACTIVATE: "激活账号",
    VerificationCode.Purpose.RESET: "找回密码",
}
SESSION_KEY = "verification"
# Who may reset a staff member's second factor: the security administrator, who manages
# staff accounts (accounts.roles: separation of duties); the audit log shows each reset.
ACCOUNT_ADMINS = {SECURITY_ADMIN}
CODE_REQUESTED = (
    "如果该证件号码已导入本系统，6 位验证码已发送至报名登记的手机，10 分钟内有效。"
    "未收到短信请核对证件号码，或联系考点工作人员。"
)


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
            # One answer whether or not the ID number is registered (no phone number either:
            # it appears once the code has been typed right).
            messages.info(request, CODE_REQUESTED)
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
            user = set_password_with_code(
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
            phone = masked_phone_of(user)
            messages.success(
                request,
                f"密码已设置（验证码发送至报名登记的手机 {phone}）。请使用证件号码和新密码登录。",
            )
            return redirect("accounts:login")
    return render(
        request,
        "accounts/set_password.html",
        {"form": form, "title": TITLES[purpose], "purpose": purpose},
    )


class ThrottledLoginView(auth_views.LoginView):
    """The login page. Every password check is counted before the password is looked at
    (accounts.throttling): refused from a place that failed too often, and past the account's
    limit the password is checked only after a second factor (an SMS code for candidates,
    the authenticator for staff). Staff then verify their authenticator (accounts.otp)."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        if username and request.POST.get("action") == "send_code":
            return self._send_login_code(username)
        if not username or not password:
            # The form says which field is missing; no password is checked.
            return super().post(request, *args, **kwargs)
        check = throttling.begin_check(username=username, request=request)
        if check.verdict == "refused":
            return self._refuse(check.message, status=429)
        device = None
        if check.verdict == "challenge":
            code = request.POST.get("code", "")
            if not code.strip():
                return self._refuse(check.message, status=403, challenge=True)
            passed, device = second_factor.check_challenge(username=username, code=code)
            if not passed:
                return self._refuse(
                    "验证码不正确或已失效，请重新获取短信验证码（工作人员请核对动态码）。",
                    status=403,
                    challenge=True,
                )
        form = self.get_form()
        if form.is_valid():
            throttling.check_succeeded(
                attempt_id=check.attempt_id, username=username, request=request
            )
            self._verified_device = device
            return self.form_valid(form)
        if check.verdict == "challenge":
            throttling.record_failure(username=username, request=request)
        else:
            throttling.check_failed(attempt_id=check.attempt_id)
        return self.form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        device = getattr(self, "_verified_device", None)
        if device is not None:
            # The code the challenge took was the staff member's second factor already.
            second_factor.mark_verified(self.request, device)
            start_verified_session(self.request)
        return response

    def _refuse(self, message: str, *, status: int, challenge: bool = False):
        """The login page again with `message`, the name kept and the password emptied; with
        `challenge`, the code field and the button that sends an SMS code."""
        username = self.request.POST.get("username", "").strip()
        form = self.get_form_class()(request=self.request, initial={"username": username})
        context = self.get_context_data(form=form)
        context.update(refusal=message, challenge=challenge)
        return self.render_to_response(context, status=status)

    def _send_login_code(self, username: str):
        try:
            request_code(
                id_number=username, purpose=VerificationCode.Purpose.LOGIN, request=self.request
            )
        except DomainError as exc:
            return self._refuse(exc.message, status=429, challenge=True)
        return self._refuse(
            "如果该账号是已导入的考生账号，6 位验证码已发送至报名登记的手机，10 分钟内有效；"
            "填写验证码和密码后登录。",
            status=200,
            challenge=True,
        )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("home")


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify_view(request: AuthenticatedRequest) -> HttpResponse:
    """The second step of a staff login: the authenticator's code, or one recovery code."""
    user = request.user
    if not user.is_staff_member:
        raise Http404
    if not second_factor.has_device(user):
        return redirect(
            f"{reverse('accounts:otp_enrol')}?{urlencode({'next': _next_url(request)})}"
        )
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify_device_code(user, form.cleaned_data["code"])
        if device is not None:
            second_factor.mark_verified(request, device)
            start_verified_session(request)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    f"已使用一个恢复码登录，还剩 {left} 个。手机丢失请联系系统管理员重置双因素认证。",
                )
            return redirect(_next_url(request))
        form.add_error(
            "code",
            "动态码不正确或已过期，请输入身份验证器中当前显示的 6 位数字；"
            "连续输错后每次须多等几秒再试。",
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol_view(request: AuthenticatedRequest) -> HttpResponse:
    """First login of a staff account (or after an administrator reset it): bind an
    authenticator app by its QR code, confirm with one code, receive the recovery codes."""
    user = request.user
    if not user.is_staff_member:
        raise Http404
    if second_factor.has_device(user):
        return redirect("accounts:otp_verify")
    device = second_factor.start_enrolment(user)
    form = OTPCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(user=user, code=form.cleaned_data["code"])
        if codes is not None:
            device.refresh_from_db()
            second_factor.mark_verified(request, device)
            start_verified_session(request)
            record(
                action="account.otp_enrolled",
                actor=user,
                request=request,
                target=f"user:{user.pk}",
                summary="绑定身份验证器",
            )
            return render(
                request,
                "accounts/otp_recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "code", "动态码不正确，请确认手机时间准确，并输入身份验证器中当前的 6 位数字。"
        )
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": mark_safe(second_factor.qr_svg(device)),  # noqa: S308 - segno's own SVG
            "secret": second_factor.base32_secret(device),
            "next": _next_url(request),
        },
    )


class StaffPasswordChangeView(auth_views.PasswordChangeView):
    """Changing one's password (and the forced change when a staff password expired)."""

    template_name = "accounts/password_change.html"
    form_class = ChinesePasswordChangeForm
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(
            action="account.password_changed",
            actor=form.user,
            request=self.request,
            target=f"user:{form.user.pk}",
            summary="修改密码",
        )
        messages.success(self.request, "密码已更新。")
        return response


@role_required(lambda user: user.role in ACCOUNT_ADMINS)
@require_http_methods(["GET"])
def staff_list_view(request: AuthenticatedRequest) -> HttpResponse:
    staff = User.objects.exclude(role=User.Role.CANDIDATE).order_by("role", "username")
    enrolled = set(
        TOTPDevice.objects.filter(confirmed=True, user__in=staff).values_list("user_id", flat=True)
    )
    rows = [(member, member.pk in enrolled) for member in staff]
    return render(request, "accounts/staff_list.html", {"rows": rows})


@role_required(lambda user: user.role in ACCOUNT_ADMINS)
@require_http_methods(["POST"])
def staff_reset_otp_view(request: AuthenticatedRequest, user_id: int) -> HttpResponse:
    """A staff member lost their phone: an administrator removes their authenticator and
    recovery codes (audited); their next login enrols a new one. Their open sessions end."""
    member = get_object_or_404(User.objects.exclude(role=User.Role.CANDIDATE), pk=user_id)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "请填写重置原因（例如：手机丢失，已电话核实本人）。")
        return redirect("accounts:staff")
    if member.pk == request.user.pk:
        messages.error(request, "不能重置自己的双因素认证，请由另一位管理员操作。")
        return redirect("accounts:staff")
    with transaction.atomic():
        second_factor.reset_devices(user=member)
        record(
            action="account.otp_reset",
            actor=request.user,
            request=request,
            target=f"user:{member.pk}",
            summary=f"重置 {member.username} 的双因素认证",
            data={"reason": reason[:200]},
        )
    messages.success(request, f"已重置 {member} 的双因素认证；其下次登录时需重新绑定身份验证器。")
    return redirect("accounts:staff")

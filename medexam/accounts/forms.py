from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

RULES_HINT = (
    "至少 8 位，含小写字母、大写字母、数字、符号中的至少 3 类；"
    "不能含有本人的证件号码、手机号码或姓名，不能与最近 5 次用过的密码相同。"
)


class LoginForm(AuthenticationForm):
    """Errors belong to fields: an empty field says which, and a wrong pair marks both (the
    error text sits under the password, where the candidate retypes)."""

    username = forms.CharField(
        label="证件号码（审核人员填写用户名）",
        max_length=64,
        error_messages={"required": "请填写证件号码（审核人员填写用户名）。"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autofocus": True,
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请填写密码。"},
    )
    error_messages = {
        "invalid_login": "证件号码（或用户名）与密码不匹配，请检查后重新输入。证件号码中的字母 X 大小写均可。",
        "inactive": "该账号已停用，请联系考点工作人员。",
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login":
                raise
            self.add_error("password", error)
            # Marked invalid too, without repeating the text: either may be the mistake.
            self.fields["username"].widget.attrs["aria-invalid"] = "true"
            self.fields["username"].widget.attrs["aria-describedby"] = "id_password_error"
            return self.cleaned_data


class RequestCodeForm(forms.Form):
    id_number = forms.CharField(
        label="证件号码",
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autofocus": True,
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        error_messages={"required": "请填写报名时使用的证件号码。"},
    )


class SetPasswordWithCodeForm(forms.Form):
    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={
            "required": "请填写短信中的 6 位验证码。",
            "min_length": "验证码是 6 位数字，请核对短信。",
        },
    )
    password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=RULES_HINT,
        error_messages={"required": "请设置新密码。"},
    )
    password2 = forms.CharField(
        label="再次输入新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入新密码。"},
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "两次输入的密码不一致，请重新输入。")
        return cleaned


class OTPCodeForm(forms.Form):
    code = forms.CharField(
        label="动态验证码",
        max_length=16,
        help_text="打开手机上的身份验证器，输入当前显示的 6 位数字；手机不在身边可输入一个恢复码。",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "请填写身份验证器中的 6 位动态码。"},
    )


class ChinesePasswordChangeForm(PasswordChangeForm):
    error_messages = {
        "password_mismatch": "两次输入的新密码不一致，请重新输入。",
        "password_incorrect": "原密码不正确，请重新输入。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = RULES_HINT
        self.fields["new_password2"].label = "再次输入新密码"
        for field in self.fields.values():
            field.error_messages["required"] = f"请填写{field.label}。"

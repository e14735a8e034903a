from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="证件号码（审核人员填写用户名）",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True,
                                      "autocapitalize": "characters", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="密码", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    error_messages = {
        "invalid_login": "证件号码（或用户名）与密码不匹配，请检查后重新输入。证件号码中的字母 X 大小写均可。",
        "inactive": "该账号已停用，请联系考点工作人员。",
    }

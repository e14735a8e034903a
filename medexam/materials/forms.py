from django import forms


class UploadForm(forms.Form):
    # A FileField, not an ImageField: content is judged by medexam.materials.intake.
    image = forms.FileField(
        label="选择图片",
        error_messages={
            "required": "请先选择要上传的图片文件（jpg/jpeg/png，不超过 200 KB）。",
            "empty": "选择的文件是空的，请重新选择图片。",
            "invalid": "没有收到图片文件，请重新选择后上传。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,.jpg,.jpeg,.png"}),
    )
    slot = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    # One-step replace: the image this upload takes the place of.
    replace = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return "上传失败，请重试。"

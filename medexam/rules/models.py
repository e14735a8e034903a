from django.db import models


class Exam(models.Model):
    """One exam year in one province. Its rules (routes, item conditions, trial window,
    dates) are loaded from a versioned data file in medexam/rules/data/ by `load_exam`."""

    slug = models.SlugField(unique=True)  # e.g. liaoning-2022
    year = models.PositiveSmallIntegerField()
    province = models.CharField(max_length=32)  # e.g. liaoning
    province_name = models.CharField(max_length=32)  # 辽宁省
    title = models.CharField(max_length=128)
    rules_version = models.CharField(max_length=64)
    rules_sha256 = models.CharField(max_length=64)
    rules = models.JSONField(default=dict)  # the validated data file, as loaded
    upload_opens_at = models.DateTimeField(null=True, blank=True)
    upload_closes_at = models.DateTimeField(null=True, blank=True)
    supplement_days = models.PositiveSmallIntegerField(default=3)
    is_active = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class ExamSite(models.Model):
    """考点: the unit a site reviewer is scoped to (the 14 cities of Liaoning in the demo)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sites")
    code = models.CharField(max_length=32)
    name = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "code"], name="site_code_per_exam")]
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class MaterialItem(models.Model):
    """One entry of the material catalog (报名材料附件), with the source's own texts."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=48)
    group = models.CharField(max_length=32)  # 身份证明 / 学历证明 / 试用期考核合格证明 / 其他
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=128)
    description = models.TextField()  # the source's instruction text
    tips = models.TextField(blank=True)  # the source's red "friendly tips"
    marked_required = models.BooleanField(default=False)  # the * of the source
    max_count = models.PositiveSmallIntegerField()
    exact_count = models.BooleanField(default=False)  # 身份证明: exactly 3
    # Named slots, e.g. [{"code": "front", "label": "正面"}, ...]; empty: numbered places.
    slots = models.JSONField(default=list, blank=True)
    example = models.JSONField(default=dict, blank=True)  # {"caption": ..., "svg": ...}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exam", "code"], name="item_code_per_exam")]
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name

    def slot_label(self, slot: str) -> str:
        for entry in self.slots:
            if entry["code"] == slot:
                return str(entry["label"])
        return ""

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from medexam.candidates import idcrypto
from medexam.candidates.fields import EncryptedIdNumberField
from medexam.jobs.models import JobRecord


class Candidate(models.Model):
    """A candidate's registration record (报名信息) for one exam, with the profile fields the
    rules read (SPEC §6). The ID number is sensitive personal information: encrypted at rest
    (`id_number` is AES-GCM ciphertext in the database, plain text in Python), looked up by
    `id_number_hmac`, searched by `id_tail`; shown masked (`masked_id_number`) to anyone but
    the candidate, in full to staff only through the audited "显示" (review.views)."""

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", "居民身份证"
        PASSPORT = "passport", "护照"
        HK_MACAU_PERMIT = "hk_macau_permit", "港澳居民来往内地通行证"
        TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"
        MILITARY_ID = "military_id", "军官证/文职干部证"

    class EducationLevel(models.TextChoices):
        NONE = "none", "无"
        SECONDARY_VOCATIONAL = "secondary_vocational", "中专/中职"
        JUNIOR_COLLEGE = "junior_college", "大专"
        BACHELOR = "bachelor", "本科"
        MASTER = "master", "硕士"
        DOCTORATE = "doctorate", "博士"

    class EducationType(models.TextChoices):
        FULL_TIME = "full_time", "全日制"
        ADULT = "adult", "成人教育"
        WESTERN_LEARNING_TCM = "western_learning_tcm", "西医学习中医"
        MENTORSHIP = "mentorship", "师承"
        PROVEN_EXPERTISE = "proven_expertise", "确有专长"

    class ExtraExam(models.TextChoices):
        PEDIATRICS = "pediatrics", "儿科"
        PREHOSPITAL_EMERGENCY = "prehospital_emergency", "院前急救"

    class Residency(models.TextChoices):
        MAINLAND = "mainland", "内地居民"
        HONG_KONG = "hong_kong", "香港居民"
        MACAU = "macau", "澳门居民"
        TAIWAN = "taiwan", "台湾居民"
        FOREIGN = "foreign", "外籍人员"

    exam = models.ForeignKey("rules.Exam", on_delete=models.PROTECT, related_name="candidates")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="candidacies"
    )
    exam_site = models.ForeignKey(
        "rules.ExamSite", on_delete=models.PROTECT, related_name="candidates"
    )
    registration_no = models.CharField("报名号", max_length=32)
    name = models.CharField("姓名", max_length=64)
    id_type = models.CharField("证件类型", max_length=24, choices=IdType.choices)
    id_number = EncryptedIdNumberField("证件号码")
    # Derived from id_number by save() (and by idcrypto.id_columns for writers that bypass
    # it): the keyed hash for exact lookups, the last six characters reversed for search.
    id_number_hmac = models.CharField(max_length=64, editable=False)
    id_tail = models.CharField(max_length=idcrypto.TAIL_LENGTH, editable=False)
    phone = models.CharField("手机号码", max_length=20)
    exam_category = models.CharField("报考类别", max_length=64)

    # --- profile fields the rules read (SPEC §6) ---
    military = models.BooleanField("现役军人或部队文职人员", default=False)
    passed_review_years = models.JSONField("资格审核通过年份", default=list, blank=True)
    education_level = models.CharField(
        "最高学历", max_length=24, choices=EducationLevel.choices, default=EducationLevel.BACHELOR
    )
    education_type = models.CharField(
        "学历类型", max_length=24, choices=EducationType.choices, default=EducationType.FULL_TIME
    )
    graduation_date = models.DateField("毕业时间", null=True, blank=True)
    chsi_verifiable = models.BooleanField("学历可在学信网认证", default=False)
    postgraduate_in_school = models.BooleanField("在校或应届研究生", default=False)
    graduating_this_year = models.BooleanField("应届毕业生", default=False)
    assistant_upgrade = models.BooleanField("助理升执业", default=False)
    extra_exam = models.CharField(
        "加试", max_length=32, choices=ExtraExam.choices, blank=True, default=""
    )
    residency = models.CharField(
        "居民类别", max_length=16, choices=Residency.choices, default=Residency.MAINLAND
    )
    institution_lacks_subject = models.BooleanField("试用机构无报考类别诊疗科目", default=False)
    major = models.CharField("所学专业", max_length=64, blank=True)
    trial_institution = models.CharField("试用机构", max_length=128, blank=True)
    # [{"institution": str, "start": "YYYY-MM-DD", "end": "YYYY-MM-DD",
    #   "status": "completed"|"pledged"}], half-open [start, end) (SPEC §5)
    trial_segments = models.JSONField("试用期", default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The hash leads, so the constraint's index also serves login's and the
            # activation's lookup by id_number_hmac alone (across exams).
            models.UniqueConstraint(
                fields=["id_number_hmac", "exam", "id_type"], name="one_candidate_per_id_per_exam"
            ),
            models.UniqueConstraint(
                fields=["exam", "registration_no"], name="registration_no_per_exam"
            ),
            models.UniqueConstraint(fields=["exam", "user"], name="one_candidacy_per_user_exam"),
        ]
        indexes = [
            models.Index(fields=["exam", "exam_site"]),
            # The review queue's search by the beginning of a name for a province reviewer
            # (LIKE 'q%' on PostgreSQL: the pattern operator class), per exam of the
            # province; with the id, so that the first NAME_CAP matches are an index-only
            # walk of NAME_CAP entries (review.selectors.named).
            models.Index(
                fields=["exam", "name", "id"],
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
                name="candidate_exam_name_prefix",
            ),
            # The same for a site reviewer: the site's candidates by the beginning of a name.
            models.Index(
                fields=["exam_site", "name", "id"],
                opclasses=["int8_ops", "varchar_pattern_ops", "int8_ops"],
                name="candidate_site_name_prefix",
            ),
            # The review queue's search by registration number, whatever the exam.
            models.Index(fields=["registration_no"], name="candidate_registration_no"),
            # The review queue's search by the last 4-6 characters of the ID number: a prefix
            # of the reversed tail (LIKE 'q%', the pattern operator class on PostgreSQL).
            models.Index(
                fields=["id_tail"],
                opclasses=["varchar_pattern_ops"],
                name="candidate_id_tail_prefix",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.registration_no})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The derived columns can never disagree with the number, whoever saves.
        self.id_number = idcrypto.normalise_id_number(self.id_number or "")
        self.id_number_hmac = idcrypto.id_hmac(self.id_number) if self.id_number else ""
        self.id_tail = idcrypto.id_tail(self.id_number)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_hmac", "id_tail"}
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


# The one form ID numbers are stored and looked up in (import stores it, login and SMS codes
# look it up): no spaces, the check character X upper-case.
normalise_id_number = idcrypto.normalise_id_number


def mask_id_number(value: str) -> str:
    """2101********1234: first four and last four only (fewer for short passports)."""
    if len(value) <= 8:
        return value[:2] + "*" * max(len(value) - 4, 0) + value[-2:]
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


class ImportRun(models.Model):
    """One import of a registration file (by command, page or API): what it found and did.
    Per-candidate changes are in the audit log (action candidate.updated, data.import_run)."""

    class Source(models.TextChoices):
        COMMAND = "command", "命令行"
        PAGE = "page", "管理页面"
        API = "api", "接口"

    exam = models.ForeignKey("rules.Exam", on_delete=models.PROTECT, related_name="import_runs")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices)
    filename = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64)
    dry_run = models.BooleanField(default=False)
    good_only = models.BooleanField(default=False)
    applied = models.BooleanField(default=False)  # False: refused (bad rows) or dry run
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # [{"line", "column", "code", "message"}], capped (see services.MAX_STORED_ERRORS)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.exam_id}"


def mask_phone(value: str) -> str:
    """138****1234: enough for a candidate to recognise their own number."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class ImportJob(JobRecord):
    """One registration file uploaded from the page (or the API), imported by a worker.

    The uploaded file waits in the private storage under a server-chosen name and is deleted
    once the job has read it (it holds ID numbers); `file_sha256` stays. The outcome is the
    ImportRun (`run`) and one ImportProblem per refused row."""

    task_path = "medexam.candidates.tasks.run_import"

    class Mode(models.TextChoices):
        DRY_RUN = "dry_run", "试导入"
        ALL = "all", "全部导入（有问题则不导入）"
        GOOD_ONLY = "good_only", "只导入无问题的行"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey("rules.Exam", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=16, choices=Mode.choices)
    source = models.CharField(
        max_length=16, choices=ImportRun.Source.choices, default=ImportRun.Source.PAGE
    )
    file = models.CharField(max_length=200, blank=True)  # in the private storage, until read
    filename = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.SET_NULL)
    # What the import did, for the result page: counts and updated candidates (masked).
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # The import page's list of recent jobs of the exams a user manages.
        indexes = [models.Index(fields=["exam", "-created_at"])]

    def __str__(self) -> str:
        return f"Import job {self.uuid} ({self.status})"


class ImportProblem(models.Model):
    """One refused row (or the whole file, line 0) of an import job, as the result page
    lists them: every one, paged by (job, line)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=64, blank=True)
    code = models.CharField(max_length=48)
    message = models.TextField()

    class Meta:
        ordering = ["line", "id"]
        # The result page reads a job's problems in line order, a page at a time.
        indexes = [models.Index(fields=["job", "line", "id"])]

    def __str__(self) -> str:
        return f"line {self.line}: {self.code}"

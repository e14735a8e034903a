"""Demo data: the 14 Liaoning cities' reviewers, a province reviewer, and ~50 candidates spread
over the review routes (SPEC §2) and item conditions (SPEC §3). Idempotent: a second run finds
everything in place and changes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from medexam.accounts.models import User
from medexam.accounts.roles import sync_groups
from medexam.candidates.importing import gb11643_check_char
from medexam.candidates.models import Candidate
from medexam.candidates.services import create_draft_applications, new_candidate_username
from medexam.errors import DomainError
from medexam.rules.models import Exam

CANDIDATE_PASSWORD = "Demo@2022"  # noqa: S105 - demo only, printed by the demo command
REVIEWER_PASSWORD = "Review@2022"  # noqa: S105
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "晓东",
    "海燕",
    "志强",
    "雪",
    "慧",
]
# Area codes of the 14 cities, in the data file's site order (for plausible ID numbers).
AREA_CODES = [
    "210102",
    "210202",
    "210302",
    "210402",
    "210502",
    "210602",
    "210702",
    "210802",
    "210902",
    "211002",
    "211102",
    "211202",
    "211302",
    "211402",
]
FULL_YEAR = [
    {
        "institution": "沈阳市第一人民医院",
        "start": "2021-03-01",
        "end": "2022-03-01",
        "status": "completed",
    }
]
GRADUATE_SPLIT = [
    {
        "institution": "大连医科大学附属第一医院",
        "start": "2021-08-01",
        "end": "2022-01-20",
        "status": "completed",
    },
    {
        "institution": "大连医科大学附属第一医院",
        "start": "2022-01-20",
        "end": "2022-08-01",
        "status": "pledged",
    },
]

# Profiles over every route row and condition; candidates cycle through them.
PROFILES: list[dict] = [
    # R7: bachelor graduated 2015, verifiable on 学信网 (online) — the printed demo login.
    {
        "education_level": "bachelor",
        "graduation_date": dt.date(2015, 7, 1),
        "chsi_verifiable": True,
        "major": "临床医学",
        "exam_category": "临床执业医师",
    },
    # R8: bachelor, not verifiable
    {
        "education_level": "bachelor",
        "graduation_date": dt.date(2018, 7, 1),
        "major": "临床医学",
        "exam_category": "临床执业医师",
    },
    # R1 military
    {
        "military": True,
        "education_level": "bachelor",
        "graduation_date": dt.date(2016, 7, 1),
        "id_type": "military_id",
        "exam_category": "临床执业医师",
    },
    # R2 passed review in 2021
    {
        "passed_review_years": [2021],
        "education_level": "bachelor",
        "chsi_verifiable": True,
        "graduation_date": dt.date(2017, 7, 1),
        "exam_category": "口腔执业医师",
    },
    # R3 adult education
    {
        "education_type": "adult",
        "education_level": "junior_college",
        "graduation_date": dt.date(2019, 1, 10),
        "exam_category": "临床执业助理医师",
    },
    # R4 secondary vocational
    {
        "education_level": "secondary_vocational",
        "graduation_date": dt.date(2018, 7, 1),
        "major": "农村医学",
        "exam_category": "乡村全科执业助理医师",
    },
    # R5 western medicine learning TCM
    {
        "education_type": "western_learning_tcm",
        "education_level": "bachelor",
        "graduation_date": dt.date(2010, 7, 1),
        "exam_category": "中医执业医师",
    },
    # R6 college graduated before 2002
    {
        "education_level": "junior_college",
        "graduation_date": dt.date(1999, 7, 1),
        "exam_category": "临床执业助理医师",
    },
    # 助理升执业, rural medicine major (乡医证 recommended)
    {
        "assistant_upgrade": True,
        "education_level": "junior_college",
        "major": "农村医学",
        "graduation_date": dt.date(2012, 7, 1),
        "chsi_verifiable": True,
        "exam_category": "临床执业医师",
    },
    # 应届 graduate, split trial period
    {
        "graduating_this_year": True,
        "education_level": "bachelor",
        "chsi_verifiable": True,
        "graduation_date": dt.date(2022, 7, 1),
        "trial_segments": GRADUATE_SPLIT,
        "exam_category": "临床执业医师",
    },
    # in-school postgraduate
    {
        "postgraduate_in_school": True,
        "graduating_this_year": True,
        "education_level": "master",
        "chsi_verifiable": True,
        "graduation_date": dt.date(2019, 7, 1),
        "exam_category": "临床执业医师",
    },
    # pediatrics extra exam, institution lacks the subject
    {
        "extra_exam": "pediatrics",
        "institution_lacks_subject": True,
        "education_level": "bachelor",
        "chsi_verifiable": True,
        "graduation_date": dt.date(2016, 7, 1),
        "exam_category": "临床执业医师",
    },
    # Hong Kong resident
    {
        "residency": "hong_kong",
        "id_type": "hk_macau_permit",
        "education_level": "bachelor",
        "graduation_date": dt.date(2019, 7, 1),
        "exam_category": "临床执业医师",
    },
    # 师承 (mentorship)
    {
        "education_type": "mentorship",
        "education_level": "none",
        "exam_category": "中医执业助理医师",
    },
    # doctorate, prehospital emergency extra exam
    {
        "education_level": "doctorate",
        "extra_exam": "prehospital_emergency",
        "chsi_verifiable": True,
        "graduation_date": dt.date(2020, 7, 1),
        "exam_category": "临床执业医师",
    },
]


@dataclass(frozen=True)
class DemoLogins:
    candidate_id_number: str
    candidate_name: str
    reviewer_username: str
    province_username: str


def resident_id(index: int, area: str) -> str:
    born = dt.date(1985, 1, 1) + dt.timedelta(days=97 * index)
    first17 = f"{area}{born:%Y%m%d}{index % 1000:03d}"
    return first17 + gb11643_check_char(first17)


def _id_number(index: int, id_type: str, area: str) -> str:
    if id_type == "military_id":
        return f"军{210000 + index}"
    if id_type == "hk_macau_permit":
        return f"H{60000000 + index:08d}"
    return resident_id(index, area)


@transaction.atomic
def seed(*, exam: Exam, candidates: int = 50) -> DemoLogins:
    sites = list(exam.sites.order_by("id"))
    # One hash per demo password (salted once): hashing 66 times would take most of a minute.
    candidate_hash = make_password(CANDIDATE_PASSWORD)
    staff_hash = make_password(REVIEWER_PASSWORD)
    for site in sites:
        _staff(
            f"reviewer-{site.code}",
            f"{site.name}考点审核员",
            User.Role.SITE_REVIEWER,
            staff_hash,
            exam_site=site,
        )
    _staff(
        "province",
        f"{exam.province_name}考区审核员",
        User.Role.PROVINCE_REVIEWER,
        staff_hash,
        province=exam.province,
    )
    # Separation of duties (accounts/roles.py): one account per administrator role, none a
    # superuser (a superuser would hold every permission at once).
    for username, name, role in (
        ("admin", "系统管理员", User.Role.ADMIN),
        ("security", "安全管理员", User.Role.SECURITY_ADMIN),
        ("auditor", "审计管理员", User.Role.AUDIT_ADMIN),
    ):
        person = _staff(username, name, role, staff_hash)
        if person.is_superuser or person.is_staff:
            person.is_superuser = person.is_staff = False
            person.save(update_fields=["is_superuser", "is_staff"])
        sync_groups(person)

    created: list[Candidate] = []
    first: Candidate | None = None
    for index in range(candidates):
        profile = dict(PROFILES[index % len(PROFILES)])
        site_index = 0 if index < len(PROFILES) else index % len(sites)
        site = sites[site_index]
        id_type = profile.pop("id_type", "resident_id")
        exam_category = profile.pop("exam_category")
        profile.setdefault("trial_segments", FULL_YEAR)
        registration_no = f"{exam.year}21{index + 1:06d}"
        candidate = Candidate.objects.filter(exam=exam, registration_no=registration_no).first()
        if candidate is None:
            user = User(
                username=new_candidate_username(), role=User.Role.CANDIDATE, password=candidate_hash
            )
            name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
            user.display_name = name
            user.save()
            candidate = Candidate.objects.create(
                exam=exam,
                user=user,
                exam_site=site,
                registration_no=registration_no,
                name=name,
                id_type=id_type,
                id_number=_id_number(index, id_type, AREA_CODES[site_index]),
                phone=f"139{index:08d}",
                exam_category=exam_category,
                trial_institution=profile["trial_segments"][0]["institution"],
                **profile,
            )
            created.append(candidate)
        first = first or candidate
    create_draft_applications(candidates=created)
    assert first is not None
    return DemoLogins(
        candidate_id_number=first.id_number,
        candidate_name=first.name,
        reviewer_username=f"reviewer-{first.exam_site.code}",
        province_username="province",
    )


def _staff(username: str, name: str, role: str, password_hash: str, **scope) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, display_name=name, role=role, password=password_hash, **scope
        )
        user.save()
    enrol_demo_authenticator(user)
    return user


def demo_totp_key(username: str) -> str:
    """The demo staff's authenticator key (hex, 20 bytes): fixed per name, so a person can add
    it to a phone app once and keep using it across demo set-ups. Demo data only."""
    return hashlib.sha256(f"medexam-demo-totp:{username}".encode()).hexdigest()[:40]


def enrol_demo_authenticator(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name="演示身份验证器", key=demo_totp_key(user.username), confirmed=True
        )


def open_upload_window(exam: Exam, days: int = 30) -> None:
    """The 2022 file's dates are long past: the demo opens the window around today."""
    now = timezone.now()
    exam.upload_opens_at = now - dt.timedelta(days=1)
    exam.upload_closes_at = now + dt.timedelta(days=days)
    exam.save(update_fields=["upload_opens_at", "upload_closes_at"])


def _id_card_photo(candidate: Candidate, slot: str, index: int) -> bytes | None:
    """Photos of the candidate's own ID card (medexam.precheck.corpus), so the reviewer's
    pre-check panel has something to show: the first card drawn expired before the exam, the
    second candidate uploaded someone else's front. None: not an ID side, or no CJK
    font installed (the generic picture then)."""
    from medexam.precheck import corpus

    if slot not in ("front", "back") or candidate.id_type != Candidate.IdType.RESIDENT_ID:
        return None
    who = {"name": candidate.name, "id_number": candidate.id_number}
    if slot == "front" and index == 1:
        who = {"name": "王建国", "id_number": resident_id(40 + candidate.pk % 40, "210203")}
    kind = "id_front" if slot == "front" else "id_back"
    if slot == "back":
        expired = index == 0
        who |= {
            "valid_from": "2008-03-22" if expired else "2016-05-10",
            "valid_until": "2018-03-22" if expired else "2036-05-10",
        }
    try:
        return corpus.photo_of(kind, seed=candidate.pk * 10 + len(slot), **who)[0]
    except RuntimeError:
        return None


def submit_some(*, exam: Exam, count: int = 12) -> int:
    """Give the reviewers' queues something to do: upload generated images for every required
    item of `count` candidates (skipping the first, the printed login) and submit them."""
    from medexam.demo.images import document_image
    from medexam.materials import services
    from medexam.materials.models import Application
    from medexam.rules.selectors import evaluation_for

    submitted = 0
    drafts = (
        Application.objects.filter(
            candidate__exam=exam, state=Application.State.DRAFT, images__isnull=True
        )
        .select_related("candidate__user", "candidate__exam")
        .order_by("candidate__registration_no")[1 : count + 1]
    )
    if (
        Application.objects.filter(candidate__exam=exam)
        .exclude(state=Application.State.DRAFT)
        .exists()
    ):
        return 0  # seeded before
    cards = 0  # candidates with a resident ID card drawn for them
    for application in drafts:
        candidate = application.candidate
        seed = candidate.pk * 100
        index = cards
        cards += candidate.id_type == Candidate.IdType.RESIDENT_ID
        for code, verdict in evaluation_for(candidate).items.items():
            if verdict.status != "required":
                continue
            item = exam.items.get(code=code)
            for position in range(item.max_count if item.exact_count else 1):
                seed += 1
                slot = item.slots[position]["code"] if item.slots else ""
                services.upload_image(
                    application_id=application.pk,
                    item_code=code,
                    data=_id_card_photo(candidate, slot, index) or document_image(seed=seed),
                    client_name="photo.jpg",
                    actor=candidate.user,
                    slot=slot,
                )
        # The candidate looked at the intake's warnings (a drawn card may read as blurry).
        for image in application.images.filter(warnings_confirmed=False):
            services.confirm_warnings(image_uuid=image.uuid, actor=candidate.user)
        try:
            services.submit_application(application_id=application.pk, actor=candidate.user)
        except DomainError:
            continue
        submitted += 1
    return submitted


def write_logins(path, *, exam: Exam) -> None:
    """Every demo candidate's login, for trying other routes (demo data only)."""
    lines = ["registration_no\tname\tid_number\tsite\tstate\tpassword"]
    for c in exam.candidates.select_related("exam_site", "application").order_by("registration_no"):
        lines.append(
            f"{c.registration_no}\t{c.name}\t{c.id_number}\t{c.exam_site.name}\t"
            f"{c.application.state}\t{CANDIDATE_PASSWORD}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

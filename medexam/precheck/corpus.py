"""The pre-check's own corpus: generated documents with their truth, photographed as a phone
would (tilted, unevenly lit, noisy, a little blurred, fitted to at most 200 KB of JPEG).

Layouts follow the real documents: the second-generation resident ID card's front (姓名, 性别,
民族, 出生, 住址, 公民身份号码) and back (国徽 side: 签发机关, 有效期限), 学信网's
《教育部学历证书电子注册备案表》, and a 毕业证书's information page. Decoys are classified
`unknown`: the 学籍 (not 学历) report, a 学位证书 and a trial-period certificate. Names are
random, ID numbers valid (GB 11643 checksum). Fonts are Debian's CJK packages
(fonts-wqy-microhei, fonts-arphic-uming, fonts-arphic-ukai, fonts-noto-cjk; `bin/test`
installs them); the corpus uses whichever of them is installed.

    .venv/bin/python -m medexam.precheck.corpus OUTDIR [COUNT]   # files + truth.jsonl

Used by `bench/precheck.py` (the accuracy and CPU figures) and the tests (a few documents).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from medexam.precheck.idnumber import make_number

# (path, face index): Noto's collection holds JP, KR, SC, ... at indexes 0, 1, 2.
FONT_FILES = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
]
MAX_BYTES = 200 * 1024

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志宏海燕波宁雪梅琳晨阳欣怡子涵浩然宇轩思远博文佳琪雨萱梓睿天佑俊杰晓东春晖立新永健卫东德胜文静嘉怡一鸣"
NATIONS = ["汉", "汉", "汉", "汉", "满", "蒙古", "回", "朝鲜", "锡伯"]
# Liaoning's county-level region codes (the first six digits of a number issued there).
REGIONS = {
    "210102": ("沈阳市公安局和平分局", "辽宁省沈阳市和平区"),
    "210103": ("沈阳市公安局沈河分局", "辽宁省沈阳市沈河区"),
    "210106": ("沈阳市公安局铁西分局", "辽宁省沈阳市铁西区"),
    "210202": ("大连市公安局中山分局", "辽宁省大连市中山区"),
    "210203": ("大连市公安局西岗分局", "辽宁省大连市西岗区"),
    "210302": ("鞍山市公安局铁东分局", "辽宁省鞍山市铁东区"),
    "210402": ("抚顺市公安局新抚分局", "辽宁省抚顺市新抚区"),
    "210602": ("丹东市公安局元宝分局", "辽宁省丹东市元宝区"),
    "210702": ("锦州市公安局古塔分局", "辽宁省锦州市古塔区"),
    "211002": ("辽阳市公安局白塔分局", "辽宁省辽阳市白塔区"),
}
STREETS = ["中山路", "南京街", "太原街", "青年大街", "北京街", "长江路", "人民路", "解放路"]
SCHOOLS = ["中国医科大学", "大连医科大学", "锦州医科大学", "沈阳医学院", "辽宁中医药大学"]
SCHOOLS += ["辽宁何氏医学院", "大连大学", "辽东学院", "辽宁医药职业学院"]
MAJORS = ["临床医学", "口腔医学", "中医学", "预防医学", "中西医临床医学", "针灸推拿学"]
MAJORS += ["医学影像学", "儿科学", "麻醉学"]
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CN_DIGITS = "〇一二三四五六七八九"
KINDS = ("id_front", "id_back", "chsi_record", "diploma", "unknown")


@dataclass
class Document:
    kind: str
    fields: dict[str, str]
    image: Image.Image
    decoy: str = ""  # for unknown documents: what it really is
    person: dict[str, str] = field(default_factory=dict)


# --- people -------------------------------------------------------------------------------


def person(rnd: random.Random) -> dict[str, str]:
    name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice([1, 2])))
    birth = dt.date(1975, 1, 1) + dt.timedelta(days=rnd.randrange(0, 365 * 25))
    region = rnd.choice(sorted(REGIONS))
    sequence = rnd.randrange(1, 999)
    sex = "男" if sequence % 2 else "女"
    return {
        "name": name,
        "sex": sex,
        "nation": rnd.choice(NATIONS),
        "birth": birth.isoformat(),
        "region": region,
        "id_number": make_number(region, birth.strftime("%Y%m%d"), sequence),
        "school": rnd.choice(SCHOOLS),
        "major": rnd.choice(MAJORS),
    }


def _font(rnd: random.Random, size: int, fonts: list[tuple[str, int]]) -> ImageFont.FreeTypeFont:
    path, index = rnd.choice(fonts)
    return ImageFont.truetype(path, size, index=index)


def installed_fonts() -> list[tuple[str, int]]:
    fonts = [(p, i) for p, i in FONT_FILES if Path(p).exists()]
    if not fonts:
        raise RuntimeError("no CJK font installed (apt-get install fonts-wqy-microhei ...)")
    return fonts


def _cn_year(year: int) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(year))


def _cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def _cn_date(day: dt.date, *, with_day: bool = True) -> str:
    text = f"{_cn_year(day.year)}年{_cn_number(day.month)}月"
    return text + (f"{_cn_number(day.day)}日" if with_day else "")


# --- documents ---------------------------------------------------------------------------

INK = (30, 30, 35)
BLUE_INK = (40, 55, 90)


def _portrait(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rnd: random.Random
) -> None:
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=(rnd.randrange(200, 235),) * 3)
    cx, w = (x0 + x1) // 2, x1 - x0
    draw.ellipse((cx - w // 4, y0 + w // 6, cx + w // 4, y0 + w // 6 + w // 2), fill=(90, 80, 75))
    draw.pieslice(
        (x0 + w // 10, y1 - w // 2, x1 - w // 10, y1 + w // 2), 180, 360, fill=(60, 60, 70)
    )


def id_front(rnd: random.Random, who: dict[str, str], fonts: list[tuple[str, int]]) -> Document:
    w, h = 1000, 630
    img = Image.new("RGB", (w, h), (rnd.randrange(225, 240), rnd.randrange(228, 242), 236))
    draw = ImageDraw.Draw(img)
    for y in range(0, h, 6):  # the card's fine guilloche-like background
        draw.line((0, y, w, y + 40), fill=(214, 222, 230), width=1)
    label_font = _font(rnd, 30, fonts)
    value_font = _font(rnd, 36, fonts)
    number_font = _font(rnd, 44, fonts)
    lx, vx = 60, 185
    birth = dt.date.fromisoformat(who["birth"])
    draw.text((lx, 60), "姓名", font=label_font, fill=BLUE_INK)
    draw.text((vx, 55), who["name"], font=value_font, fill=INK)
    draw.text((lx, 140), "性别", font=label_font, fill=BLUE_INK)
    draw.text((vx, 135), who["sex"], font=value_font, fill=INK)
    draw.text((vx + 120, 140), "民族", font=label_font, fill=BLUE_INK)
    draw.text((vx + 245, 135), who["nation"], font=value_font, fill=INK)
    draw.text((lx, 215), "出生", font=label_font, fill=BLUE_INK)
    draw.text(
        (vx, 210),
        f"{birth.year}  年  {birth.month}  月  {birth.day}  日",
        font=value_font,
        fill=INK,
    )
    address = REGIONS[who["region"]][1] + rnd.choice(STREETS) + f"{rnd.randrange(1, 300)}号"
    draw.text((lx, 295), "住址", font=label_font, fill=BLUE_INK)
    draw.text((vx, 290), address[:11], font=value_font, fill=INK)
    draw.text(
        (vx, 340),
        address[11:] + f"{rnd.randrange(1, 30)}-{rnd.randrange(1, 9)}-{rnd.randrange(1, 6)}",
        font=value_font,
        fill=INK,
    )
    draw.text((lx, 500), "公民身份号码", font=label_font, fill=BLUE_INK)
    draw.text((lx + 240, 492), who["id_number"], font=number_font, fill=INK)
    _portrait(draw, (690, 70, 930, 400), rnd)
    return Document(
        "id_front", {"name": who["name"], "id_number": who["id_number"]}, img, person=who
    )


def id_back(
    rnd: random.Random, who: dict[str, str], fonts: list[tuple[str, int]], *, today: dt.date
) -> Document:
    w, h = 1000, 630
    img = Image.new("RGB", (w, h), (rnd.randrange(226, 240), 236, rnd.randrange(226, 238)))
    draw = ImageDraw.Draw(img)
    for x in range(0, w, 7):
        draw.line((x, 0, x + 60, h), fill=(222, 226, 214), width=1)
    # The national emblem: a red disc with five stars (a stand-in, not the emblem itself).
    draw.ellipse((70, 50, 230, 210), fill=(200, 40, 40))
    draw.regular_polygon((150, 125, 40), 5, fill=(240, 200, 60))
    title_font = _font(rnd, 54, fonts)
    draw.text((300, 70), "中华人民共和国", font=title_font, fill=INK)
    draw.text((330, 165), "居民身份证", font=_font(rnd, 70, fonts), fill=INK)
    birth = dt.date.fromisoformat(who["birth"])
    # Issued at 16 or later; 10 years under 26, 20 under 46, long-term from 46 (GB rules).
    issued = today - dt.timedelta(days=rnd.randrange(0, 365 * 22))
    issued = max(issued, birth.replace(year=birth.year + 16))
    age = (issued - birth).days // 365
    years = 10 if age < 26 else 20 if age < 46 else 0
    if "valid_from" in who:  # a test's card: the period it asks for
        issued = dt.date.fromisoformat(who["valid_from"])
        years = 0 if who["valid_until"] == "long-term" else -1
    start = issued.strftime("%Y.%m.%d")
    if years == -1:
        until = dt.date.fromisoformat(who["valid_until"])
        end, valid_until = until.strftime("%Y.%m.%d"), until.isoformat()
    elif years:
        until = issued.replace(year=issued.year + years, day=min(issued.day, 28))
        end, valid_until = until.strftime("%Y.%m.%d"), until.isoformat()
    else:
        end, valid_until = "长期", "long-term"
    label_font = _font(rnd, 30, fonts)
    value_font = _font(rnd, 34, fonts)
    draw.text((200, 420), "签发机关", font=label_font, fill=BLUE_INK)
    draw.text((360, 415), REGIONS[who["region"]][0], font=value_font, fill=INK)
    draw.text((200, 510), "有效期限", font=label_font, fill=BLUE_INK)
    draw.text((360, 505), f"{start}-{end}", font=value_font, fill=INK)
    fields = {"valid_from": issued.isoformat(), "valid_until": valid_until}
    return Document("id_back", fields, img, person=who)


def _table(
    draw: ImageDraw.ImageDraw,
    rows: list[list[str]],
    *,
    top: int,
    left: int,
    widths: list[int],
    height: int,
    font: ImageFont.FreeTypeFont,
) -> int:
    y = top
    for row in rows:
        x = left
        spans = widths if len(row) == len(widths) else [widths[0], sum(widths[1:])]
        for cell, width in zip(row, spans, strict=False):
            draw.rectangle((x, y, x + width, y + height), outline=(120, 120, 120), width=2)
            draw.text((x + 14, y + (height - font.size) // 2 - 2), cell, font=font, fill=INK)
            x += width
        y += height
    return y


def _record_rows(who: dict[str, str], rnd: random.Random) -> tuple[list[list[str]], dict[str, str]]:
    birth = dt.date.fromisoformat(who["birth"])
    entered = dt.date(birth.year + 18, 9, 1)
    graduated = dt.date(entered.year + 5, 6, 30)
    rows = [
        ["姓名", who["name"], "性别", who["sex"]],
        [
            "出生日期",
            f"{birth.year}年{birth.month:02d}月{birth.day:02d}日",
            "民族",
            who["nation"] + "族",
        ],
        ["证件号码", who["id_number"]],
        ["学校名称", who["school"]],
        ["层次", "本科", "专业", who["major"]],
        ["学制", "5年", "学历类别", "普通高等教育"],
        ["学习形式", "普通全日制", "分院", ""],
        ["入学日期", f"{entered.year}年09月01日", "毕（结）业日期", f"{graduated.year}年06月30日"],
        ["毕（结）业", "毕业", "证书编号", f"10159{graduated.year}05{rnd.randrange(10**6):06d}"],
    ]
    return rows, {"entered": entered.isoformat(), "graduated": graduated.isoformat()}


def chsi_record(
    rnd: random.Random,
    who: dict[str, str],
    fonts: list[tuple[str, int]],
    *,
    student_status: bool = False,
) -> Document:
    """学信网's 学历 record; with `student_status` its 学籍 sibling (a decoy: not accepted)."""
    w, h = 1240, 1754
    img = Image.new("RGB", (w, h), (252, 252, 250))
    draw = ImageDraw.Draw(img)
    title = "教育部学籍在线验证报告" if student_status else "教育部学历证书电子注册备案表"
    title_font = _font(rnd, 58, fonts)
    tw = draw.textlength(title, font=title_font)
    draw.text(((w - tw) / 2, 130), title, font=title_font, fill=INK)
    small = _font(rnd, 28, fonts)
    updated = dt.date(2021, 1, 1) + dt.timedelta(days=rnd.randrange(0, 360))
    draw.text(
        (110, 250),
        f"更新日期：{updated.year}年{updated.month:02d}月{updated.day:02d}日",
        font=small,
        fill=INK,
    )
    _portrait(draw, (930, 330, 1120, 580), rnd)
    rows, _ = _record_rows(who, rnd)
    if student_status:
        rows[8] = ["学籍状态", "在籍（注册学籍）", "预计毕业日期", rows[7][3]]
    font = _font(rnd, 32, fonts)
    bottom = _table(
        draw, rows, top=620, left=110, widths=[200, 330, 240, 250], height=78, font=font
    )
    code = "".join(rnd.choice(CODE_ALPHABET) for _ in range(16))
    draw.text((110, bottom + 90), "在线验证码：", font=_font(rnd, 36, fonts), fill=INK)
    draw.text((330, bottom + 86), code, font=_font(rnd, 40, fonts), fill=INK)
    note = "注：本备案表仅用于证明学历证书电子注册信息，请登录学信网输入在线验证码查验。"
    draw.text((110, bottom + 200), note, font=_font(rnd, 24, fonts), fill=(90, 90, 90))
    draw.text(
        (110, bottom + 240),
        "报告有效期内可在线查验，过期后需重新申请。",
        font=_font(rnd, 24, fonts),
        fill=(90, 90, 90),
    )
    if student_status:
        return Document("unknown", {}, img, decoy="student_status_record", person=who)
    fields = {"name": who["name"], "id_number": who["id_number"], "verification_code": code}
    return Document("chsi_record", fields, img, person=who)


def _seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], radius: int) -> None:
    x, y = centre
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=(200, 40, 40), width=7)
    draw.regular_polygon((x, y, radius // 3), 5, fill=(200, 40, 40))


def diploma(
    rnd: random.Random, who: dict[str, str], fonts: list[tuple[str, int]], *, degree: bool = False
) -> Document:
    """A 毕业证书's information page; with `degree` the 学位证书 (a decoy: another item)."""
    w, h = 1500, 1060
    img = Image.new("RGB", (w, h), (250, 247, 238))
    draw = ImageDraw.Draw(img)
    draw.rectangle((30, 30, w - 30, h - 30), outline=(170, 140, 90), width=10)
    _portrait(draw, (110, 200, 330, 480), rnd)
    title = "学士学位证书" if degree else "毕业证书"
    title_font = _font(rnd, 76, fonts)
    tw = draw.textlength(title, font=title_font)
    draw.text(((w - tw) / 2, 75), title, font=title_font, fill=(150, 30, 30))
    body = _font(rnd, 40, fonts)
    birth = dt.date.fromisoformat(who["birth"])
    entered = dt.date(birth.year + 18, 9, 1)
    graduated = dt.date(entered.year + 5, 6, 30)
    x = 400
    if degree:
        lines = [
            f"{who['name']}，{who['sex']}，{_cn_date(birth)}生。",
            f"在{who['school']}{who['major']}专业完成了本科学习计划，",
            "业已毕业。经审核符合《中华人民共和国学位条例》",
            "的规定，授予医学学士学位。",
        ]
    else:
        lines = [
            f"学生 {who['name']} ，性别 {who['sex']} ，{_cn_date(birth)}生，",
            f"于{_cn_date(entered, with_day=False)}至{_cn_date(graduated, with_day=False)}在本校",
            f"{who['major']}专业五年制本科学习，修完教学计划",
            "规定的全部课程，成绩合格，准予毕业。",
        ]
    for i, line in enumerate(lines):
        draw.text((x, 230 + i * 78), line, font=body, fill=INK)
    small = _font(rnd, 34, fonts)
    if degree:
        draw.text((400, 640), f"{who['school']}", font=small, fill=INK)
        draw.text(
            (400, 700),
            "学位评定委员会主席：" + rnd.choice(SURNAMES) + rnd.choice(GIVEN),
            font=small,
            fill=INK,
        )
    else:
        draw.text((400, 640), f"校  名：{who['school']}", font=small, fill=INK)
        draw.text(
            (400, 700),
            "校（院）长：" + rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
            font=small,
            fill=INK,
        )
    draw.text(
        (400, 760),
        f"证书编号：10159{graduated.year}05{rnd.randrange(10**6):06d}",
        font=small,
        fill=INK,
    )
    draw.text((980, 880), _cn_date(graduated), font=small, fill=INK)
    _seal(draw, (1100, 760), 120)
    if degree:
        return Document("unknown", {}, img, decoy="degree", person=who)
    fields = {"name": who["name"], "school": who["school"], "major": who["major"]}
    return Document("diploma", fields, img, person=who)


def trial_certificate(
    rnd: random.Random, who: dict[str, str], fonts: list[tuple[str, int]]
) -> Document:
    """A 试用期考核合格证明 (another item's document): a decoy, classified unknown."""
    w, h = 1240, 1754
    img = Image.new("RGB", (w, h), (252, 252, 252))
    draw = ImageDraw.Draw(img)
    title_font = _font(rnd, 56, fonts)
    title = "医师资格考试试用期考核证明"
    tw = draw.textlength(title, font=title_font)
    draw.text(((w - tw) / 2, 140), title, font=title_font, fill=INK)
    font = _font(rnd, 34, fonts)
    rows = [
        ["姓名", who["name"], "性别", who["sex"]],
        ["试用机构", who["school"] + "附属医院"],
        ["试用科室", rnd.choice(["内科", "外科", "儿科", "急诊科"])],
        ["考核结果", "合格"],
    ]
    bottom = _table(
        draw, rows, top=330, left=110, widths=[200, 330, 240, 250], height=90, font=font
    )
    draw.text(
        (110, bottom + 80), "试用机构意见：经考核，该同志试用期满，考核合格。", font=font, fill=INK
    )
    _seal(draw, (900, bottom + 330), 130)
    return Document("unknown", {}, img, decoy="trial_certificate", person=who)


# --- the phone's photograph ---------------------------------------------------------------


def photograph(doc: Image.Image, rnd: random.Random) -> bytes:
    """On a desk, tilted a few degrees, under uneven light, with sensor noise and a little
    blur; scaled and compressed until the JPEG fits 200 KB, as the upload page does."""
    w, h = doc.size
    margin = int(max(w, h) * rnd.uniform(0.04, 0.10))
    desk = np.zeros((h + 2 * margin, w + 2 * margin, 3), np.float32)
    tone = np.array([rnd.uniform(90, 160), rnd.uniform(80, 140), rnd.uniform(60, 120)], np.float32)
    desk[:] = tone
    canvas = Image.fromarray(desk.astype(np.uint8))
    canvas.paste(doc, (margin, margin))
    canvas = canvas.rotate(
        rnd.uniform(-4.0, 4.0),
        resample=Image.Resampling.BICUBIC,
        fillcolor=tuple(int(t) for t in tone),
    )
    arr = np.asarray(canvas).astype(np.float32)
    hh, ww = arr.shape[:2]
    yy, xx = np.mgrid[0:hh, 0:ww].astype(np.float32)
    angle = rnd.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * xx / ww + np.sin(angle) * yy / hh
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    light = rnd.uniform(0.65, 0.8) + rnd.uniform(0.2, 0.35) * ramp
    arr = arr * light[..., None]
    arr += np.random.default_rng(rnd.randrange(2**32)).normal(0, rnd.uniform(3, 8), arr.shape)
    photo = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    photo = photo.filter(ImageFilter.GaussianBlur(rnd.uniform(0.5, 1.1)))
    long_side = rnd.randrange(1200, 1700)
    scale = min(1.0, long_side / max(photo.size))
    if scale < 1.0:
        size = (round(photo.size[0] * scale), round(photo.size[1] * scale))
        photo = photo.resize(size, Image.Resampling.LANCZOS)
    for _ in range(8):
        for quality in (88, 80, 72, 64, 56):
            out = io.BytesIO()
            photo.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= MAX_BYTES:
                return out.getvalue()
        photo = photo.resize(
            (photo.size[0] * 9 // 10, photo.size[1] * 9 // 10), Image.Resampling.LANCZOS
        )
    raise RuntimeError("could not fit the photograph into 200 KB")


def make_document(kind: str, seed: int, *, today: dt.date = dt.date(2022, 8, 19)) -> Document:
    """One document of `kind` (one of KINDS; `unknown` picks a decoy), reproducible by seed."""
    rnd = random.Random(seed)
    fonts = installed_fonts()
    who = person(rnd)
    if kind == "id_front":
        return id_front(rnd, who, fonts)
    if kind == "id_back":
        return id_back(rnd, who, fonts, today=today)
    if kind == "chsi_record":
        return chsi_record(rnd, who, fonts)
    if kind == "diploma":
        return diploma(rnd, who, fonts)
    decoy = rnd.choice(["student_status", "degree", "trial"])
    if decoy == "student_status":
        return chsi_record(rnd, who, fonts, student_status=True)
    if decoy == "degree":
        return diploma(rnd, who, fonts, degree=True)
    return trial_certificate(rnd, who, fonts)


def photo_of(kind: str, *, seed: int = 0, **who: str) -> tuple[bytes, Document]:
    """One photographed document of `kind` about a given person (tests): `who` overrides the
    random person's name, id_number, major...; an id_back takes valid_from and valid_until
    (ISO dates, or "long-term")."""
    rnd = random.Random(seed)
    fonts = installed_fonts()
    person_ = person(rnd) | who
    makers = {
        "id_front": lambda: id_front(rnd, person_, fonts),
        "id_back": lambda: id_back(rnd, person_, fonts, today=dt.date(2022, 8, 19)),
        "chsi_record": lambda: chsi_record(rnd, person_, fonts),
        "student_status_record": lambda: chsi_record(rnd, person_, fonts, student_status=True),
        "diploma": lambda: diploma(rnd, person_, fonts),
        "degree": lambda: diploma(rnd, person_, fonts, degree=True),
    }
    doc = makers[kind]()
    return photograph(doc.image, random.Random(seed + 1)), doc


def build(out: Path, count: int = 200, *, seed: int = 17) -> list[dict[str, Any]]:
    """`count` photographed documents, the kinds in turn, written to `out` with truth.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    truth: list[dict[str, Any]] = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        doc = make_document(kind, seed * 100_000 + i)
        name = f"{i:04d}-{kind}.jpg"
        (out / name).write_bytes(photograph(doc.image, random.Random(seed + i)))
        truth.append({"file": name, "kind": doc.kind, "fields": doc.fields, "decoy": doc.decoy})
    with (out / "truth.jsonl").open("w", encoding="utf-8") as f:
        for row in truth:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return truth


if __name__ == "__main__":
    target = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rows = build(target, n)
    print(f"{len(rows)} documents in {target}")

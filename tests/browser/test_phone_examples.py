"""The example pictures (示例) on the materials page: one generated SVG per catalog item, with
obviously fake data. This module is also their generator:

    .venv/bin/python -m tests.browser.test_phone_examples

writes medexam/static/medexam/examples/<item code>.svg; the tests below fail when a catalog
item has no picture or a committed picture differs from what the generator makes."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "medexam" / "static" / "medexam" / "examples"
EXAM_FILES = sorted((ROOT / "medexam" / "rules" / "data").glob("*.yaml"))

FAKE_NAME = "张三（示例）"
FAKE_NO = "0000 0000 0000 0000"
INK, MUTED, RED, PAPER = "#1b1b1b", "#505a5f", "#b10e1e", "#fffdf6"

# item code -> (layout, title, lines)
ITEMS: dict[str, tuple[str, str, list[str]]] = {
    "id_proof": ("id_card", "居民身份证", []),
    "diploma": (
        "certificate",
        "毕业证书",
        [f"学生 {FAKE_NAME}", "专业 临床医学（示例）", "学制 五年", f"证书编号 {FAKE_NO}"],
    ),
    "degree": (
        "certificate",
        "学士学位证书",
        [f"{FAKE_NAME} 授予医学学士学位", "学位授予单位 示例医科大学", f"证书编号 {FAKE_NO}"],
    ),
    "edu_proof": (
        "web_record",
        "教育部学历证书电子注册备案表",
        [f"姓名 {FAKE_NAME}", "学历类别 普通高等教育", "层次 本科", "在线验证码 XXXX-XXXX-XXXX"],
    ),
    "student_card": (
        "student_card",
        "学生证",
        [f"姓名 {FAKE_NAME}", "学号 00000000", "学院 示例医学院"],
    ),
    "grad_clinical_practice": (
        "form",
        "研究生临床实践训练证明",
        [
            "实践时间 2021年1月1日—2022年1月1日",
            "实践机构 示例市人民医院",
            "本人承诺：补足一年试用期",
        ],
    ),
    "trial_assessment": (
        "form",
        "试用期考核合格证明",
        [
            "试用时间 2021年1月1日—2022年1月1日",
            "试用机构 示例市人民医院",
            "考核结果 合格",
            "带教老师签字 李四（示例）",
        ],
    ),
    "institution_license": (
        "certificate",
        "医疗机构执业许可证（副本）",
        ["机构名称 示例市人民医院", "登记号 000000000000000000", "有效期限 2020年—2035年"],
    ),
    "supervisor_license": (
        "certificate",
        "医师执业证书（带教老师）",
        ["姓名 李四（示例）", "执业范围 内科专业", "执业地点 示例省", f"证书编码 {FAKE_NO}"],
    ),
    "hmt_foreign_form": (
        "form",
        "实习申请表（第二联）",
        [f"申请人 {FAKE_NAME}", "实习医院 示例大学附属医院", "实习时间 2021年—2022年"],
    ),
    "assistant_qualification": (
        "certificate",
        "执业助理医师资格证书",
        [f"姓名 {FAKE_NAME}", "类别 临床", f"证书编号 {FAKE_NO}"],
    ),
    "assistant_practice": (
        "certificate",
        "医师执业证书（助理）",
        [f"姓名 {FAKE_NAME}", "首次注册 2018年1月1日", "变更记录 见第 3 页", f"证书编码 {FAKE_NO}"],
    ),
    "practice_assessment": (
        "form",
        "执业期考核证明",
        ["执业时间 2018年—2022年", "执业机构 示例县医院", "考核结果 合格"],
    ),
    "graduate_pledge": (
        "form",
        "应届医学专业毕业生报考承诺书",
        ["本人承诺于 2022年8月1日前", "完成剩余试用期", f"承诺人 {FAKE_NAME}"],
    ),
    "extra_exam_form": (
        "form",
        "短线医学专业加试申请表",
        [f"申请人 {FAKE_NAME}", "加试专业 儿科", "医疗单位 示例市儿童医院"],
    ),
    "residency_cert": (
        "certificate",
        "住院医师规范化培训合格证书",
        [f"姓名 {FAKE_NAME}", "培训专业 内科", f"证书编号 {FAKE_NO}"],
    ),
    "mentorship_cert": (
        "certificate",
        "传统医学师承出师证书",
        [f"姓名 {FAKE_NAME}", "指导老师 王五（示例）", "发证机关 辽宁省（示例）"],
    ),
    "village_doctor": (
        "certificate",
        "乡村医生执业证书",
        [f"姓名 {FAKE_NAME}", "执业地点 示例村卫生室", f"证书编号 {FAKE_NO}"],
    ),
    "other": (
        "ticket",
        "医师资格考试准考证",
        [
            f"姓名 {FAKE_NAME}",
            "准考证号 000000000000",
            "证件号码 000000000000000000",
            "考试年度 2021年",
        ],
    ),
}


def _text(
    x: float,
    y: float,
    body: str,
    size: int = 14,
    fill: str = INK,
    weight: str = "400",
    anchor: str = "start",
) -> str:
    return (
        f'<text x="{x}" y="{y}" font-size="{size}" fill="{fill}" font-weight="{weight}" '
        f'text-anchor="{anchor}">{escape(body)}</text>'
    )


def _portrait(x: float, y: float, w: float, h: float) -> str:
    cx = x + w / 2
    return (
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#dfe7ef" stroke="{MUTED}"/>'
        f'<circle cx="{cx}" cy="{y + h * 0.38}" r="{w * 0.22}" fill="#9aa9b8"/>'
        f'<path d="M{x + w * 0.15} {y + h} Q{cx} {y + h * 0.5} {x + w * 0.85} {y + h}Z" fill="#9aa9b8"/>'
    )


def _stamp(cx: float, cy: float, r: float = 34) -> str:
    return (
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{RED}" stroke-width="3" opacity=".8"/>'
        + _text(cx, cy + 6, "示例章", 15, RED, "700", "middle")
    )


def _lines(x: float, y: float, lines: list[str], size: int = 14, gap: int = 24) -> str:
    return "".join(_text(x, y + i * gap, line, size) for i, line in enumerate(lines))


def _certificate(title: str, lines: list[str]) -> str:
    return (
        f'<rect x="40" y="30" width="400" height="250" fill="{PAPER}" stroke="#8a4b00" stroke-width="3"/>'
        f'<rect x="50" y="40" width="380" height="230" fill="none" stroke="#c9a45c"/>'
        + _text(240, 78, title, 20, "#7a1010", "700", "middle")
        + _portrait(62, 100, 80, 104)
        + _lines(160, 118, lines)
        + _stamp(370, 230)
    )


def _form(title: str, lines: list[str]) -> str:
    rows = "".join(
        f'<line x1="120" y1="{y}" x2="360" y2="{y}" stroke="{MUTED}"/>' for y in range(92, 262, 28)
    )
    return (
        f'<rect x="120" y="14" width="240" height="292" fill="{PAPER}" stroke="{MUTED}"/>'
        + _text(240, 44, title, 13, INK, "700", "middle")
        + f'<rect x="130" y="56" width="220" height="206" fill="none" stroke="{MUTED}"/>'
        + rows
        + _lines(136, 86, lines, 11, 28)
        + _text(136, 286, "签字：（示例）", 11)
        + _stamp(318, 268, 26)
    )


def _id_card(_title: str, _lines: list[str]) -> str:
    front = (
        f'<rect x="14" y="60" width="144" height="92" rx="8" fill="#eef4fb" stroke="{MUTED}"/>'
        + _text(24, 84, f"姓名 {FAKE_NAME}", 9)
        + _text(24, 102, "性别 男  民族 汉", 9)
        + _text(24, 120, "住址 示例省示例市", 9)
        + _text(24, 142, "公民身份号码 000000…", 8)
        + _portrait(114, 70, 36, 48)
    )
    back = (
        f'<rect x="168" y="60" width="144" height="92" rx="8" fill="#eef4fb" stroke="{MUTED}"/>'
        f'<circle cx="194" cy="86" r="16" fill="none" stroke="{RED}" stroke-width="2"/>'
        + _text(222, 92, "居民身份证", 12, INK, "700")
        + _text(178, 124, "签发机关 示例市公安局", 8)
        + _text(178, 142, "有效期限 2020.01.01-2040.01.01", 8)
    )
    selfie = (
        '<circle cx="394" cy="84" r="22" fill="#9aa9b8"/>'
        '<path d="M352 168 Q394 100 436 168Z" fill="#9aa9b8"/>'
        f'<rect x="368" y="116" width="56" height="36" rx="4" fill="#eef4fb" stroke="{MUTED}"/>'
        '<rect x="360" y="138" width="14" height="20" rx="5" fill="#c69c7c"/>'
    )
    captions = (
        _text(86, 176, "正面", 14, INK, "700", "middle")
        + _text(240, 176, "反面", 14, INK, "700", "middle")
        + _text(394, 190, "手持证件自拍", 14, INK, "700", "middle")
    )
    note = _text(
        240, 236, "证件在有效期内，四角完整，文字清晰，画面正向", 13, MUTED, "400", "middle"
    )
    return front + back + selfie + captions + note


def _web_record(title: str, lines: list[str]) -> str:
    qr = "".join(
        f'<rect x="{330 + (i % 5) * 12}" y="{150 + (i // 5) * 12}" width="10" height="10" fill="{INK}"/>'
        for i in range(25)
        if (i * 7) % 3
    )
    return (
        f'<rect x="60" y="14" width="360" height="292" fill="#fff" stroke="{MUTED}"/>'
        f'<rect x="60" y="14" width="360" height="36" fill="#1d5fa8"/>'
        + _text(240, 38, title, 14, "#fff", "700", "middle")
        + _portrait(80, 70, 60, 78)
        + _lines(160, 86, lines, 13, 26)
        + qr
        + _text(80, 288, "学信网 www.chsi.com.cn（示例截图）", 11, MUTED)
    )


def _student_card(title: str, lines: list[str]) -> str:
    return (
        '<rect x="40" y="60" width="160" height="200" rx="6" fill="#1d4f2a"/>'
        + _text(120, 150, title, 28, "#f2d16b", "700", "middle")
        + _text(120, 186, "示例医科大学", 13, "#f2d16b", "400", "middle")
        + f'<rect x="220" y="60" width="220" height="200" rx="6" fill="{PAPER}" stroke="{MUTED}"/>'
        + _portrait(236, 76, 60, 78)
        + _lines(236, 186, lines, 12, 22)
        + _stamp(400, 120, 24)
    )


def _ticket(title: str, lines: list[str]) -> str:
    return (
        f'<rect x="50" y="24" width="380" height="272" fill="#fff" stroke="{MUTED}"/>'
        + _text(240, 60, title, 20, INK, "700", "middle")
        + _portrait(70, 84, 80, 104)
        + _lines(170, 104, lines, 13, 26)
        + f'<rect x="70" y="210" width="340" height="66" fill="none" stroke="{MUTED}"/>'
        + _text(80, 234, "考点 示例市第一考点   考场 01", 12)
        + _text(80, 260, "请携带本证及有效身份证件参加考试", 12, MUTED)
    )


LAYOUTS = {
    "certificate": _certificate,
    "form": _form,
    "id_card": _id_card,
    "web_record": _web_record,
    "student_card": _student_card,
    "ticket": _ticket,
}


def make_svg(code: str) -> str:
    layout, title, lines = ITEMS[code]
    body = LAYOUTS[layout](title, lines)
    watermark = (
        '<g opacity=".22" transform="rotate(-24 240 160)">'
        + _text(240, 186, "示例 仅供参考", 64, RED, "700", "middle")
        + "</g>"
    )
    banner = f'<rect x="0" y="296" width="480" height="24" fill="{RED}"/>' + _text(
        240, 313, "示例图片：姓名、号码均为虚构", 13, "#fff", "700", "middle"
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 320" width="480" height="320" '
        "font-family=\"-apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', "
        f'\'WenQuanYi Micro Hei\', sans-serif" role="img"><title>{escape(title)}（示例）</title>'
        '<rect width="480" height="320" fill="#e9e6df"/>' + body + watermark + banner + "</svg>\n"
    )


def catalog_codes() -> set[str]:
    codes: set[str] = set()
    for path in EXAM_FILES:
        codes |= {item["code"] for item in yaml.safe_load(path.read_text("utf-8"))["items"]}
    return codes


def write_all() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    for code in sorted(ITEMS):
        (EXAMPLES / f"{code}.svg").write_text(make_svg(code), "utf-8")


def test_every_catalog_item_has_an_example_picture():
    assert catalog_codes() <= set(ITEMS)
    for code in catalog_codes():
        assert (EXAMPLES / f"{code}.svg").is_file(), code


@pytest.mark.parametrize("code", sorted(ITEMS))
def test_the_committed_picture_is_the_generated_one_with_fake_data(code):
    svg = (EXAMPLES / f"{code}.svg").read_text("utf-8")

    assert svg == make_svg(code), "regenerate: python -m tests.browser.test_phone_examples"
    assert "示例" in svg and "虚构" in svg
    assert "<script" not in svg and "href" not in svg  # a picture, nothing that runs or loads


if __name__ == "__main__":
    write_all()

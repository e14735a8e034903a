"""A made-up registration file for demos and benchmarks: valid rows in the import format,
with a spread of profiles that reaches every review route. No real person's data."""

from __future__ import annotations

import io
import random

from medexam.candidates.importing import COLUMNS, gb11643_check_char

# Liaoning's prefectures' area codes, in the order of the demo sites' list.
AREAS = [
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
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
CATEGORIES = [
    "临床执业医师",
    "临床执业助理医师",
    "中医执业医师",
    "口腔执业医师",
    "公共卫生执业医师",
]


def sample_rows(*, exam, count: int, seed: int = 2022) -> list[dict[str, object]]:
    rng = random.Random(seed)
    sites = list(exam.sites.order_by("code"))
    rows = []
    for n in range(1, count + 1):
        site_index = n % len(sites)
        area = AREAS[site_index % len(AREAS)]
        born = f"{rng.randint(1970, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        first17 = f"{area}{born}{n % 1000:03d}"
        kind = n % 8
        row = {
            "报名号": f"{exam.year % 100:02d}21{n:07d}",
            "姓名": rng.choice(SURNAMES)
            + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
            "证件类型": "居民身份证",
            "证件号码": first17 + gb11643_check_char(first17),
            "手机号码": f"13{rng.randint(0, 999_999_999):09d}",
            "报考类别": rng.choice(CATEGORIES),
            "考点": sites[site_index].name,
            "现役军人或部队文职人员": "是" if kind == 0 else "否",
            "资格审核通过年份": "2021" if kind == 1 else "",
            "最高学历": {2: "大专", 3: "中专"}.get(kind, "本科"),
            "学历类型": "成人教育" if kind == 2 else "全日制",
            "毕业时间": "2001-07-01" if kind == 4 else f"{exam.year - 1}-07-01",
            "学历可在学信网认证": "否" if kind in (3, 4) else "是",
            "在校或应届研究生": "否",
            "应届毕业生": "是" if kind == 5 else "否",
            "助理升执业": "是" if kind == 6 else "否",
            "加试": "儿科" if kind == 7 else "",
            "居民类别": "内地居民",
            "试用机构无报考类别诊疗科目": "否",
            "所学专业": "临床医学",
            "试用机构": f"{sites[site_index].name}第一人民医院",
            "试用期": f"{exam.year - 1}-07-15~{exam.year}-07-15 已完成",
        }
        rows.append(row)
    return rows


def sample_xlsx(*, exam, count: int, seed: int = 2022) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("报名数据")
    header = list(COLUMNS)
    sheet.append(header)
    for row in sample_rows(exam=exam, count=count, seed=seed):
        sheet.append([row.get(column, "") for column in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""The document reader: OCR of one image, the kind of document it is, and the fields the
cross-check needs, read from the document's structure (a label and what stands after it on
its row), never from "some text that looks like an ID number".

Speed (issue 17, `bench/precheck.py`): the engine is loaded once per process (`engine()`);
detection runs on a copy whose long side is DET_LONG_SIDE (the models' own default sizes a
phone photo up to 2000 px); the angle classifier is off (uploads are upright: the upload page
turns them, and a reviewer's rotation is a separate image); ONNX Runtime runs one thread per
worker process (a worker is one core; more threads spin on a shared machine); and text is
recognised shortest line first, stopping as soon as the kind is certain and its fields are
read (a 学信网 record's long footnotes, an ID card's address lines are never recognised).

Nothing read is logged: OCR output is sensitive personal information.
"""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from medexam.precheck import idnumber

KINDS = ("id_front", "id_back", "chsi_record", "diploma", "unknown")
FIELDS: dict[str, tuple[str, ...]] = {
    "id_front": ("name", "id_number"),
    "id_back": ("valid_from", "valid_until"),
    "chsi_record": ("name", "id_number", "verification_code"),
    "diploma": ("name", "school", "major"),
    "unknown": (),
}
DET_LONG_SIDE = 736
REC_BATCH = 6

_engine: Any = None
_engine_lock = threading.Lock()


def engine() -> Any:
    """The OCR engine of this process, loaded on first use (about 15 MB of models)."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from rapidocr_onnxruntime import RapidOCR

                _engine = RapidOCR(
                    use_cls=False,
                    # We size the image ourselves (DET_LONG_SIDE); "min" with 32 keeps it.
                    det_limit_type="min",
                    det_limit_side_len=32,
                    intra_op_num_threads=1,
                    inter_op_num_threads=1,
                )
    return _engine


@dataclass
class Box:
    text: str
    score: float
    # Centre and size in deskewed coordinates of the detection copy.
    cx: float
    cy: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.cx - self.width / 2

    @property
    def right(self) -> float:
        return self.cx + self.width / 2


@dataclass
class Reading:
    kind: str
    fields: dict[str, str]
    confidence: float
    # For an `unknown` document we recognised: what it is instead ("student_status_record":
    # 学信网's 学籍 report, not the 学历 record; "degree": a 学位证书).
    looks_like: str = ""
    used: list[Box] = field(default_factory=list, repr=False)

    def as_json(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "kind": self.kind,
            "fields": self.fields,
            "confidence": round(self.confidence, 3),
        }


class UnreadableImage(Exception):
    """The bytes are not an image Pillow can open."""


# --- OCR -----------------------------------------------------------------------------------


def _load(data: bytes) -> Image.Image:
    try:
        opened = Image.open(io.BytesIO(data))
        return ImageOps.exif_transpose(opened).convert("RGB")
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the same to us
        raise UnreadableImage from exc


def _detect(image: Image.Image) -> tuple[list[np.ndarray], float]:
    """Text boxes (quadrilaterals in the full image's pixels) and the page's skew (radians)."""
    ocr = engine()
    small = image
    scale = 1.0
    if max(image.size) > DET_LONG_SIDE:
        scale = DET_LONG_SIDE / max(image.size)
        small = image.resize(
            (round(image.size[0] * scale), round(image.size[1] * scale)),
            Image.Resampling.BILINEAR,
        )
    array = np.ascontiguousarray(np.asarray(small)[:, :, ::-1])
    boxes, _ = ocr.text_det(array)
    if boxes is None or len(boxes) == 0:
        return [], 0.0
    quads = [np.asarray(b, dtype=np.float32) / scale for b in ocr.sorted_boxes(boxes)]
    angles = []
    for q in quads:
        dx, dy = q[1] - q[0]
        if dx > 3 * abs(q[3][1] - q[0][1]):  # wide boxes tell the page's slope best
            angles.append(math.atan2(float(dy), float(dx)))
    skew = float(np.median(angles)) if angles else 0.0
    return quads, skew


def _boxes(quads: list[np.ndarray], skew: float) -> list[tuple[np.ndarray, Box]]:
    cos, sin = math.cos(-skew), math.sin(-skew)
    out = []
    for q in quads:
        x, y = q[:, 0], q[:, 1]
        rx, ry = x * cos - y * sin, x * sin + y * cos
        box = Box(
            text="",
            score=0.0,
            cx=float(rx.mean()),
            cy=float(ry.mean()),
            width=float(rx.max() - rx.min()),
            height=float(ry.max() - ry.min()),
        )
        out.append((q, box))
    return out


def _recognise(array: np.ndarray, pending: list[tuple[np.ndarray, Box]]) -> None:
    ocr = engine()
    crops = ocr.get_crop_img_list(array, [q for q, _ in pending])
    results, _ = ocr.text_rec(crops)
    for (_, box), (text, score) in zip(pending, results, strict=True):
        box.text = _normalise(text)
        box.score = float(score)


def _normalise(text: str) -> str:
    table = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "　": " "})
    return text.translate(table).strip()


def read_document(data: bytes, *, kind: str | None = None) -> Reading:
    """Read one image. With `kind` the classifier is skipped: the fields of that kind are
    read (the command's --kind). Without it, the kind is decided from what is read.

    Text is recognised in three passes, each ending the read as soon as the kind is certain
    and its fields are there: (1) the short boxes (labels, titles, short values: cheap);
    (2) the values on the rows of the labels this kind needs, and a record's title; (3) what
    is left, top to bottom (a diploma's sentence lines, a record's verification code; the
    footnotes below it are never reached)."""
    image = _load(data)
    quads, skew = _detect(image)
    if not quads:
        return Reading(kind=kind or "unknown", fields={}, confidence=0.0)
    array = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
    todo = _boxes(quads, skew)
    done: list[Box] = []

    def run(chosen: list[tuple[np.ndarray, Box]]) -> tuple[Reading, bool]:
        for start in range(0, len(chosen), REC_BATCH):
            batch = chosen[start : start + REC_BATCH]
            _recognise(array, batch)
            done.extend(box for _, box in batch)
            taken = {id(box) for _, box in batch}
            todo[:] = [qb for qb in todo if id(qb[1]) not in taken]
        return _interpret(done, kind)

    reading, certain = run([qb for qb in todo if _ratio(qb[1]) <= SHORT_RATIO])
    if certain:
        return reading
    guess = kind or _guess(done)
    if guess in ROW_LABELS:
        targeted = [qb for qb in todo if _wanted(qb[1], done, guess)]
        if targeted:
            reading, certain = run(targeted)
            if certain:
                return reading
    top_down = sorted(todo, key=lambda qb: (qb[1].cy, qb[1].cx))
    # Two lines at a time: a long line costs more than a call, and the next may not be needed.
    for start in range(0, len(top_down), 2):
        reading, certain = run(top_down[start : start + 2])
        if certain:
            return reading
    return reading


SHORT_RATIO = 7.0  # width / height: a label, a title or a short value
# The labels whose row holds a field, per kind (pass 2 recognises only those rows' values).
ROW_LABELS: dict[str, tuple[str, ...]] = {
    "id_front": ("姓名", "公民身份号码"),
    "id_back": ("有效期限",),
    "chsi_record": ("姓名", "证件号码"),
}


def _ratio(box: Box) -> float:
    return box.width / max(box.height, 1.0)


def _guess(done: list[Box]) -> str:
    """The kind the labels read so far point to, before a title makes it certain."""
    flat = re.sub(r"\s+", "", "".join(b.text for b in done))
    scores = _scores(flat, titles=False)
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 2 else "unknown"


def _wanted(box: Box, done: list[Box], kind: str) -> bool:
    """Whether `box` is a value on the row of a label `kind` needs (or a record's title)."""
    if kind == "chsi_record" and box.cy <= min(b.cy for b in done) + box.height:
        return True  # the title: only it tells the 学历 record from the 学籍 report
    for label in (b for b in done if any(lab in b.text for lab in ROW_LABELS[kind])):
        same_row = abs(box.cy - label.cy) < 0.6 * max(label.height, box.height)
        if same_row and box.left >= label.right - label.height:
            return True
    return False


def _interpret(boxes: list[Box], kind: str | None) -> tuple[Reading, bool]:
    """The reading the recognised boxes give, and whether more text could change it."""
    text = "".join(b.text for b in sorted(boxes, key=lambda b: (b.cy, b.cx)))
    looks_like = ""
    if kind is None:
        kind, looks_like, sure = classify(text)
    else:
        sure = True
    fields, used = EXTRACTORS[kind](boxes) if kind in EXTRACTORS else ({}, [])
    wanted = FIELDS[kind]
    complete = all(fields.get(name) for name in wanted)
    confidence = min((b.score for b in used), default=0.0) if wanted else 0.0
    if kind == "unknown":
        confidence = 1.0 if looks_like else 0.0
    reading = Reading(kind, fields, confidence, looks_like, used)
    return reading, sure and complete and kind != "unknown"


# --- the classifier ------------------------------------------------------------------------

MARKERS: dict[str, tuple[str, ...]] = {
    "id_front": ("公民身份号码", "姓名", "性别", "民族", "出生", "住址"),
    "id_back": ("中华人民共和国", "居民身份证", "签发机关", "有效期限"),
    "chsi_record": ("电子注册备案表", "学历证书", "在线验证码", "证件号码", "学历类别"),
    "diploma": ("毕业证书", "准予毕业", "在本校", "校名", "成绩合格"),
}


def _scores(flat: str, *, titles: bool) -> dict[str, int]:
    scores = {k: sum(m in flat for m in markers) for k, markers in MARKERS.items()}
    if titles and not ("备案表" in flat or "电子注册" in flat):
        scores["chsi_record"] = 0  # the 学籍 report shares its table: only the title tells
    if "公民身份号码" not in flat and "住址" not in flat:
        scores["id_front"] = 0  # 姓名 and 性别 head many forms
    return scores


def classify(text: str) -> tuple[str, str, bool]:
    """(kind, looks_like, sure) from the text read so far. Titles decide where documents share
    labels: the 学信网 学籍 report has the 学历 record's table, a 学位证书 a diploma's wording."""
    flat = re.sub(r"\s+", "", text)
    if "学籍" in flat and ("验证报告" in flat or "学籍状态" in flat):
        return "unknown", "student_status_record", True
    if "学位证书" in flat or "学位评定" in flat:
        return "unknown", "degree", True
    scores = _scores(flat, titles=True)
    best = max(scores, key=lambda k: scores[k])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < 2:
        return "unknown", "", False
    titled = {
        "id_front": "公民身份号码" in flat,
        "id_back": "签发机关" in flat or "有效期限" in flat,
        "chsi_record": True,
        "diploma": "毕业证书" in flat,
    }[best]
    return best, "", titled and ranked[0] >= 3 and ranked[1] <= 1


# --- field extraction: labels and what follows them on their row ---------------------------


def _row_after(boxes: list[Box], label: str, stop: Iterable[str] = ()) -> tuple[str, list[Box]]:
    """What stands after `label` on its row: the rest of the label's own box, then the boxes
    to its right on the same row, up to the next label in `stop`."""
    # The label may have been read fused with its value ("姓名张三") or alone.
    holders = [b for b in boxes if label in re.sub(r"\s+", "", b.text)]
    if not holders:
        return "", []
    holder = min(holders, key=lambda b: b.cx)
    flat = re.sub(r"\s+", "", holder.text)
    rest = flat.split(label, 1)[1]
    used = [holder]
    row = sorted(
        (
            b
            for b in boxes
            if b is not holder
            and b.left >= holder.right - holder.height
            and abs(b.cy - holder.cy) < 0.6 * max(holder.height, b.height)
        ),
        key=lambda b: b.cx,
    )
    parts = [rest] if rest else []
    for b in row:
        piece = re.sub(r"\s+", "", b.text)
        if any(piece.startswith(s) for s in stop):
            break
        parts.append(piece)
        used.append(b)
    value = "".join(parts)
    for s in stop:
        if s in value:
            value = value.split(s, 1)[0]
    return value.lstrip(":"), used


CJK_NAME = re.compile(r"[\u3400-\u9fff·]+")


def _name(raw: str) -> str:
    match = CJK_NAME.search(raw)
    return match.group(0) if match else ""


def _id_number(raw: str) -> str:
    text = re.sub(r"[^0-9A-Za-z×]", "", raw).upper()
    if len(text) < 18:
        return ""
    number, _ = idnumber.proven_reading(text[:18])
    return number


def _id_front(boxes: list[Box]) -> tuple[dict[str, str], list[Box]]:
    fields: dict[str, str] = {}
    raw, used_name = _row_after(boxes, "姓名")
    if name := _name(raw):
        fields["name"] = name
    raw, used_number = _row_after(boxes, "公民身份号码")
    if number := _id_number(raw):
        fields["id_number"] = number
    return fields, used_name + used_number


DATE = r"(\d{4})\D{0,2}?(\d{1,2})\D{0,2}?(\d{1,2})"


def _iso(year: str, month: str, day: str) -> str:
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def _id_back(boxes: list[Box]) -> tuple[dict[str, str], list[Box]]:
    raw, used = _row_after(boxes, "有效期限")
    flat = raw.replace(" ", "")
    fields: dict[str, str] = {}
    match = re.match(r"\D*" + DATE + r"\D{0,3}?(?:" + DATE + r"|(长期))", flat)
    if match:
        fields["valid_from"] = _iso(*match.group(1, 2, 3))
        fields["valid_until"] = "long-term" if match.group(7) else _iso(*match.group(4, 5, 6))
    return fields, used


def _chsi_record(boxes: list[Box]) -> tuple[dict[str, str], list[Box]]:
    fields: dict[str, str] = {}
    raw, used_name = _row_after(boxes, "姓名", stop=("性别",))
    if name := _name(raw):
        fields["name"] = name
    raw, used_number = _row_after(boxes, "证件号码")
    if number := _id_number(raw):
        fields["id_number"] = number
    raw, used_code = _row_after(boxes, "在线验证码")
    code = re.sub(r"[^0-9A-Za-z]", "", raw).upper()
    if len(code) >= 16:
        fields["verification_code"] = code[:16]
    return fields, used_name + used_number + used_code


def _diploma(boxes: list[Box]) -> tuple[dict[str, str], list[Box]]:
    fields: dict[str, str] = {}
    lines = sorted(boxes, key=lambda b: (b.cy, b.cx))
    used: list[Box] = []
    for b in lines:
        flat = re.sub(r"\s+", "", b.text)
        match = re.search(r"学生(.+?),?性别", flat)
        if match and (name := _name(match.group(1))):
            fields["name"] = name
            used.append(b)
        if "本校" in flat and flat.rstrip(",").endswith("本校"):
            # The major opens the next line ("…在本校" / "临床医学专业五年制…").
            below = [n for n in lines if n.cy > b.cy + 0.5 * b.height and "专业" in n.text]
            if below:
                nxt = min(below, key=lambda n: n.cy)
                fields["major"] = re.sub(r"\s+", "", nxt.text).split("专业", 1)[0]
                used += [b, nxt]
        elif (match := re.search(r"在本校(.+?)专业", flat)) is not None:
            fields["major"] = match.group(1)
            used.append(b)
    raw, used_school = _row_after(boxes, "名:")
    if not raw:
        raw, used_school = _row_after(boxes, "校名")
    school = _name(raw)
    if school:
        fields["school"] = school
    return fields, used + used_school


EXTRACTORS: dict[str, Callable[[list[Box]], tuple[dict[str, str], list[Box]]]] = {
    "id_front": _id_front,
    "id_back": _id_back,
    "chsi_record": _chsi_record,
    "diploma": _diploma,
}

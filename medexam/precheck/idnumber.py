"""GB 11643-1999 citizen identity numbers: the checksum, and the OCR confusions a checksum may
forgive (a reading is corrected only when exactly the corrected form passes the checksum)."""

from __future__ import annotations

import itertools

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# What the recogniser reads for a digit on a photographed card (and x for X).
CONFUSIONS = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "|": "1", "Z": "2", "S": "5"}
CONFUSIONS.update({"B": "8", "G": "6", "T": "7", "A": "4"})


def check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def is_valid(number: str) -> bool:
    """18 characters, 17 digits and the right check character (X upper-case)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    return number[17] == check_char(number[:17])


def candidates(raw: str) -> list[str]:
    """Every 18-character form of `raw` with confusable letters read as digits, in the order
    of how few replacements they need (at most 3 places are replaced)."""
    text = raw.upper().replace(" ", "")
    if len(text) != 18:
        return []
    places = [i for i, c in enumerate(text[:17]) if not c.isdigit()]
    if len(places) > 3 or any(text[i] not in CONFUSIONS for i in places):
        return []
    base = list(text)
    for i in places:
        base[i] = CONFUSIONS[text[i]]
    last = text[17]
    lasts = [last] if last.isdigit() or last == "X" else []
    if last in CONFUSIONS:
        lasts.append(CONFUSIONS[last])
    if last in "KX×乂":
        lasts.append("X")
    return ["".join(base[:17]) + c for c in dict.fromkeys(lasts)]


def proven_reading(raw: str) -> tuple[str, bool]:
    """(the number as read, whether its checksum holds). A reading with confusable letters is
    corrected only when the corrected form passes the checksum; otherwise it is kept as read,
    and fails."""
    text = raw.upper().replace(" ", "")
    if is_valid(text):
        return text, True
    for option in candidates(text):
        if is_valid(option):
            return option, True
    return text, False


def make_number(region: str, birth: str, sequence: int) -> str:
    """A valid number: 6-digit region, YYYYMMDD birth date, 3-digit sequence (corpus, tests)."""
    first17 = f"{region}{birth}{sequence:03d}"
    return first17 + check_char(first17)


def single_digit_slips(number: str) -> list[str]:
    """Numbers one digit away from `number` (tests: a misread digit fails the checksum)."""
    out = []
    for i, d in itertools.product(range(17), "0123456789"):
        if number[i] != d:
            out.append(number[:i] + d + number[i + 1 :])
    return out

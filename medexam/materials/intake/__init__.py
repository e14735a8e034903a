"""Image intake (SPEC 3a): the one place that decides whether an uploaded file is accepted,
and produces the normalised file and its perceptual hash; `make_thumbnail` makes the review
thumbnail from a stored file.

Used by the upload service, any API and `python -m medexam check_image`.
"""

from .core import (
    MAX_BYTES,
    MAX_PIXELS,
    MIN_LONG_SIDE,
    MIN_SHORT_SIDE,
    PHASH_DUPLICATE_DISTANCE,
    Finding,
    IntakeResult,
    client_extension,
    inspect_image,
    make_thumbnail,
    phash_distance,
    with_duplicate,
)
from .messages import MESSAGES

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MESSAGES",
    "MIN_LONG_SIDE",
    "MIN_SHORT_SIDE",
    "PHASH_DUPLICATE_DISTANCE",
    "Finding",
    "IntakeResult",
    "client_extension",
    "inspect_image",
    "make_thumbnail",
    "phash_distance",
    "with_duplicate",
]

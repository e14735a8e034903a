"""Image intake (SPEC 3a): the one place that decides whether an uploaded file is accepted,
and produces the normalised file, its thumbnail and its perceptual hash.

Used by the upload service, any API and `python -m medexam check_image`.
"""

from .core import (
    MAX_BYTES,
    MAX_PIXELS,
    PHASH_DUPLICATE_DISTANCE,
    Finding,
    IntakeResult,
    client_extension,
    inspect_image,
    phash_distance,
    with_duplicate,
)
from .messages import MESSAGES

__all__ = [
    "MAX_BYTES",
    "MAX_PIXELS",
    "MESSAGES",
    "PHASH_DUPLICATE_DISTANCE",
    "Finding",
    "IntakeResult",
    "client_extension",
    "inspect_image",
    "phash_distance",
    "with_duplicate",
]

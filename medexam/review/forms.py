"""Reading the reviewer's decision form: one verdict per image, optional "please add" per
item, then the overall outcome. Field names carry the image's uuid / the item's code."""

from __future__ import annotations

from medexam.review.services import Flag


def flags_from_post(post, *, image_uuids: list[str], item_codes: list[str]) -> list[Flag]:
    flags: list[Flag] = []
    for uuid in image_uuids:
        if post.get(f"verdict-{uuid}") == "replace":
            flags.append(
                Flag(
                    reason=post.get(f"reason-{uuid}", ""),
                    note=post.get(f"note-{uuid}", ""),
                    image_uuid=uuid,
                )
            )
    for code in item_codes:
        if post.get(f"add-{code}") == "1":
            flags.append(
                Flag(
                    reason=post.get(f"reason-item-{code}", ""),
                    note=post.get(f"note-item-{code}", ""),
                    item_code=code,
                )
            )
    return flags


def version_from_post(post) -> int | None:
    try:
        return int(post.get("version", ""))
    except ValueError:
        return None

from __future__ import annotations

import re
from pathlib import Path

from medexam.materials import services
from medexam.materials.models import Application, UploadedImage

ID_SLOTS = ("front", "back", "selfie")


def upload(
    candidate,
    data: bytes,
    item: str = "id_proof",
    slot: str = "",
    name: str = "photo.jpg",
    **kwargs,
) -> UploadedImage:
    return services.upload_image(
        application_id=candidate.application.pk,
        item_code=item,
        data=data,
        client_name=name,
        actor=candidate.user,
        slot=slot,
        **kwargs,
    ).image


def fill_required(candidate, jpeg) -> None:
    """Upload one image for every required item (all three ID slots)."""
    from medexam.rules.selectors import evaluation_for

    seed = 100
    for code, verdict in evaluation_for(candidate).items.items():
        if verdict.status != "required":
            continue
        if code == "id_proof":
            for slot in ID_SLOTS:
                seed += 1
                upload(candidate, jpeg(seed), slot=slot)
        else:
            seed += 1
            upload(candidate, jpeg(seed), item=code)


def submit(candidate) -> Application:
    return services.submit_application(
        application_id=candidate.application.pk, actor=candidate.user
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def main_text(response) -> str:
    """The visible text of a page's <main>, tags removed: what a person reads."""
    body = response.content.decode().split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", "", body)

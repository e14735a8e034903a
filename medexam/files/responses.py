"""Sending a private stored file to someone the caller has already checked and audited."""

from __future__ import annotations

from django.http import FileResponse

from medexam.files.storage import open_stream


def private_file_response(
    storage, name: str, *, content_type: str, download_as: str | None = None
) -> FileResponse:
    """Stream `name` in chunks (never whole in memory, however large) with the headers every
    private file gets. Raises files.storage.FileMissing before any byte is sent, so the
    caller can answer with a page instead of a broken body."""
    stream, size = open_stream(storage, name)
    response = FileResponse(stream, content_type=content_type)
    response["Content-Length"] = str(size)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if download_as:
        response["Content-Disposition"] = f'attachment; filename="{download_as}"'
    else:
        response["Content-Disposition"] = "inline"
    return response

"""The bare baseline for bench/upload.py: a WSGI app that only stores the request body as a
new file and answers a tiny JSON naming it. Same server, same workers, same request as the
product.

Each upload creates a new file in the product's folder layout (`images/ab/<uuid>.jpg`,
mode 0600, made as Django's FileSystemStorage makes it: create-exclusive, write, chmod), so
the cost of creating files on this filesystem is on both sides of the ratio alike.
"""

import json
import os
import uuid

OUT_DIR = os.environ.get("BASELINE_DIR", "/tmp/medexam-baseline")
os.makedirs(OUT_DIR, exist_ok=True)
FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    stem = uuid.uuid4().hex
    name = f"images/{stem[:2]}/{stem}.jpg"
    path = os.path.join(OUT_DIR, name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, FLAGS, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(body)
    os.chmod(path, 0o600)
    answer = json.dumps({"ok": True, "name": name, "size": len(body)}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    )
    return [answer]

"""The bare baseline for bench/upload.py: a WSGI app that only writes the request body to
disk and answers a tiny JSON. Same server, same workers, same request as the product.

Files rotate over 64 names per worker so a long run does not fill the disk; every request
still costs a real write of its whole body.
"""

import itertools
import os

OUT_DIR = os.environ.get("BASELINE_DIR", "/tmp/medexam-baseline")
os.makedirs(OUT_DIR, exist_ok=True)
_counter = itertools.count()
BODY = b'{"ok": true}'


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    path = os.path.join(OUT_DIR, f"{os.getpid()}-{next(_counter) % 64}")
    with open(path, "wb") as fh:
        fh.write(body)
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]
    )
    return [BODY]

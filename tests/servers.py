"""Real servers the tests start for themselves: moto's S3 server and private Redis instances
for the fault tests (which stop them; the shared one is never touched). Each listens on a port the kernel hands out, so suites of several checkouts can
run at once on one machine (MEDEXAM_TEST_S3_PORT pins the S3 server's)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {seconds} s")


class Server:
    def __init__(self, argv: list[str], port: int, log: Path):
        self.argv, self.port, self.log = argv, port, log
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        out = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(  # noqa: S603 - our own argv
            self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_for_port(self.port, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def moto_s3(folder: Path) -> Server:
    port = int(os.environ.get("MEDEXAM_TEST_S3_PORT") or free_port())
    moto = Path(sys.executable).with_name("moto_server")
    return Server([str(moto), "-H", "127.0.0.1", "-p", str(port)], port, folder / "moto.log")


def redis(folder: Path) -> Server:
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    return Server(argv, port, folder / "redis.log")

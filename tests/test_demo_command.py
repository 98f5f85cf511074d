"""``sync-admin demo``, the README's first command, as a newcomer runs it: it gets ready,
serves the login page, and a SIGTERM stops everything it started, its embedded
redis-server included."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests
from conftest import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_demo_gets_ready_and_stops_everything_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_ADMIN_")}
    env["SYNC_ADMIN_INSTANCE_PATH"] = str(tmp_path / "instance")
    demo = subprocess.Popen(
        [str(Path(sys.executable).parent / "sync-admin"), "demo", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "sync-admin demo ready in" in line:
                break
        assert any("ready in" in line for line in seen), "".join(seen[-40:])
        time.sleep(1)  # run_simple binds after the ready line
        login = requests.get(f"http://127.0.0.1:{port}/login/", timeout=30)
        assert login.status_code == 200
        registry = json.loads((tmp_path / "instance" / "sync_admin_redis.rdb.settings").read_text())
        redis_pid = int(Path(registry["pidfile"]).read_text())
        assert psutil.pid_exists(redis_pid)
        children = psutil.Process(demo.pid).children(recursive=True)
        assert len(children) >= 2, "the worker and the scheduler run beside the admin"
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
        _, alive = psutil.wait_procs(children, timeout=15)
        assert alive == [], f"left running: {alive}"
        for _ in range(50):
            if not psutil.pid_exists(redis_pid):
                break
            time.sleep(0.2)
        assert not psutil.pid_exists(redis_pid), "the embedded redis-server outlived the demo"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()

"""`kaizen serve`: the web server and the task worker start together and stop together."""

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from kaizen.notifications.tests.helpers import wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers_http(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2)
    except urllib.error.HTTPError:
        return True  # any answer means the server is up; the database is not migrated here
    except OSError:
        return False
    return True


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def serve_env(tmp_path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "KAIZEN_ENV_FILE": os.devnull,  # a developer's .env must not change the test
        "DJANGO_SETTINGS_MODULE": "kaizen.settings",
        "KAIZEN_DEBUG": "true",
        "KAIZEN_DATA_DIR": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.parametrize(
    ("options", "signum"),
    [(["--noreload"], signal.SIGTERM), ([], signal.SIGINT)],
    ids=["noreload-sigterm", "autoreload-sigint"],
)
def test_it_runs_web_server_and_worker_and_stops_both(tmp_path, options, signum):
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen(
            [sys.executable, "-m", "kaizen", "serve", f"127.0.0.1:{port}", *options],
            env=serve_env(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: answers_http(port), within=60)
        wait_for(lambda: "Huey consumer started with 2 thread" in log.read_text(), within=60)
        pids = [int(pid) for pid in re.findall(r"Kaizen .*: pid (\d+)", log.read_text())]
        assert len(pids) == 2 and all(is_running(pid) for pid in pids)

        serve.send_signal(signum)
        assert serve.wait(timeout=30) == 0, log.read_text()
    finally:
        if serve.poll() is None:
            serve.kill()
    assert not any(is_running(pid) for pid in pids)
    assert not answers_http(port)
    assert "Shutting down gracefully" in log.read_text()


def test_it_stops_the_worker_and_fails_when_the_web_server_cannot_start(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "kaizen", "serve", f"127.0.0.1:{port}", "--noreload"],
            env=serve_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode != 0
    assert "That port is already in use" in result.stderr
    assert "the web server exited with status 1" in result.stderr
    worker = int(re.search(r"Kaizen task worker: pid (\d+)", result.stdout).group(1))
    assert not is_running(worker)

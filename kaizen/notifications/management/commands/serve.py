"""`kaizen serve [addr:port]`: Django's development server and a Huey task worker together.

Each runs as a child process in its own process group, so the runserver auto-reloader's own
child is signalled too. SIGINT, SIGTERM or SIGHUP to `serve` asks both children to stop with SIGINT
(graceful for Huey: running tasks finish) and kills what is left after --stop-timeout. If one
child exits on its own, the other is stopped and `serve` fails with its exit code.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from huey.contrib.djhuey import HUEY


class Command(BaseCommand):
    help = "Run the development web server and a task worker (kaizen run_huey) together."
    requires_system_checks: list = []  # runserver and run_huey run their own

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true", help="No code auto-reload.")
        parser.add_argument(
            "--stop-timeout", type=float, default=15, help="Seconds to wait before killing."
        )

    def handle(self, *args: Any, addrport: str, noreload: bool, stop_timeout: float, **_: Any):
        kaizen = [sys.executable, "-m", "kaizen"]
        runserver = [*kaizen, "runserver", addrport] + (["--noreload"] if noreload else [])
        commands = {"web server": runserver}
        if HUEY.immediate:
            self.stdout.write("KAIZEN_TASK_QUEUE=immediate: tasks run in the web process.")
        else:
            commands["task worker"] = [*kaizen, "run_huey"]

        stop_signal: list[int] = []
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, lambda signum, frame: stop_signal.append(signum))

        children = {name: subprocess.Popen(cmd, process_group=0) for name, cmd in commands.items()}
        for name, child in children.items():
            self.stdout.write(f"Kaizen {name}: pid {child.pid}")
        self.stdout.flush()
        exited = None
        while not stop_signal and exited is None:
            time.sleep(0.2)
            exited = next((name for name, c in children.items() if c.poll() is not None), None)

        self._stop(children, stop_timeout)
        if exited is not None and not stop_signal:
            code = children[exited].returncode
            raise CommandError(f"the {exited} exited with status {code}", returncode=code or 1)

    def _stop(self, children: dict[str, subprocess.Popen], timeout: float) -> None:
        for child in children.values():
            if child.poll() is None:
                _signal_group(child, signal.SIGINT)
        deadline = time.monotonic() + timeout
        for name, child in children.items():
            try:
                child.wait(max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"The {name} did not stop within {timeout:g}s; killing it.")
                _signal_group(child, signal.SIGKILL)
                child.wait()
            # The auto-reloader's own child shares the group and may outlive its parent.
            _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)

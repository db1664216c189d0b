"""The `kaizen` console command: Django's management commands with Kaizen's settings.

It reads the local configuration file first (`.env` in the current folder, written by
`make run`; see docs/configuration.md). A configuration Kaizen cannot use ends the command with
one line naming the variable and exit status 2, never with a traceback.
"""

import os
import sys
from pathlib import Path

from kaizen.env import ConfigurationError, load_env_file

CONFIGURATION_ERROR = 2


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizen.settings")
    env_file: Path | None = None
    try:
        env_file = load_env_file()
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ConfigurationError as exc:
        sys.stderr.write(f"kaizen: configuration error: {exc}; {_where(env_file)}\n")
        sys.exit(CONFIGURATION_ERROR)


def _where(env_file: Path | None) -> str:
    if env_file is not None:
        return f"settings from {env_file} and the environment"
    return (
        f"no .env in {Path.cwd()} (`make run` writes one in the checkout; "
        "see docs/configuration.md)"
    )


if __name__ == "__main__":
    main()

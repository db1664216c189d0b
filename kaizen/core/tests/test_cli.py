"""The `kaizen` command reads the local configuration file, and ends a configuration error
with one line, never a traceback."""

import subprocess
import sys
from pathlib import Path

from kaizen.testing import command_env


def kaizen(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`kaizen ARGS` run in `folder`, with only the environment given (and no KAIZEN_ENV_FILE
    unless given: the command looks for .env in the folder)."""
    environment = command_env(**env)
    if "KAIZEN_ENV_FILE" not in env:
        del environment["KAIZEN_ENV_FILE"]
    return subprocess.run(
        [sys.executable, "-m", "kaizen", *args],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def write_env(path: Path, data_dir: Path) -> Path:
    path.write_text(f"# local\nKAIZEN_DEBUG=true\nKAIZEN_DATA_DIR={data_dir}\n")
    return path


def test_it_reads_the_env_file_in_the_folder_it_runs_in(tmp_path):
    write_env(tmp_path / ".env", tmp_path / "data")
    result = kaizen(tmp_path, "diffsettings")
    assert result.returncode == 0, result.stderr
    assert "DEBUG = True" in result.stdout
    assert f"DATA_DIR = PosixPath('{tmp_path / 'data'}')" in result.stdout
    # Debug mode generated and kept the key under the data folder the file names.
    assert len((tmp_path / "data" / "secret_key").read_text()) > 40


def test_the_environment_wins_over_the_file(tmp_path):
    write_env(tmp_path / ".env", tmp_path / "data")
    result = kaizen(tmp_path, "diffsettings", KAIZEN_DATA_DIR=str(tmp_path / "elsewhere"))
    assert result.returncode == 0, result.stderr
    assert f"DATA_DIR = PosixPath('{tmp_path / 'elsewhere'}')" in result.stdout


def test_it_reads_the_file_kaizen_env_file_names(tmp_path):
    named = write_env(tmp_path / "local.env", tmp_path / "data")
    result = kaizen(tmp_path, "diffsettings", KAIZEN_ENV_FILE=str(named))
    assert result.returncode == 0, result.stderr
    assert "DEBUG = True" in result.stdout


def test_a_missing_configuration_is_one_line_even_for_help(tmp_path):
    result = kaizen(tmp_path, "import", "--help")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "kaizen: configuration error: SECRET_KEY (or SECRET_KEY_FILE) must be set, or "
        "KAIZEN_DEBUG=true for local development (a key is then generated under "
        f"KAIZEN_DATA_DIR); no .env in {tmp_path} (`make run` writes one in the checkout; see "
        "docs/configuration.md)\n"
    )


def test_a_bad_value_in_the_file_is_one_line_naming_the_file(tmp_path):
    (tmp_path / ".env").write_text("KAIZEN_DEBUG=maybe\n")
    result = kaizen(tmp_path, "kpi", "list")
    assert result.returncode == 2
    assert result.stderr == (
        "kaizen: configuration error: KAIZEN_DEBUG must be true or false, not 'maybe'; "
        f"settings from {tmp_path / '.env'} and the environment\n"
    )


def test_a_named_file_that_is_missing_is_one_line(tmp_path):
    result = kaizen(tmp_path, "help", KAIZEN_ENV_FILE=str(tmp_path / "nowhere.env"))
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"kaizen: configuration error: KAIZEN_ENV_FILE: there is no file {tmp_path}/nowhere.env;"
    )
    assert result.stderr.count("\n") == 1

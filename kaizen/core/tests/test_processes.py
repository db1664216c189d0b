"""Jobs run in forked worker processes where those see this process's data, else here."""

import os
from concurrent.futures.process import BrokenProcessPool

import pytest
from django.db import connection

from kaizen.core.processes import run_jobs, usable_workers
from kaizen.people.models import Team
from kaizen.testing import make_team

_setup: dict[str, str] = {}


def _remember(prefix: str) -> None:
    _setup["prefix"] = prefix


def team_name_with_pid(team_id: int) -> tuple[str, int]:
    return f"{_setup['prefix']}{Team.objects.get(pk=team_id).name}", os.getpid()


def die(job: int) -> int:
    if job == 2:
        os._exit(1)  # a worker killed mid-run
    return job


def needs_worker_processes() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("worker processes need a database they can open (PostgreSQL, SQLite file)")


@pytest.mark.django_db
def test_inside_a_transaction_every_job_runs_here_in_order():
    # Worker processes would not see this test's uncommitted rows.
    teams = [make_team(name).pk for name in ("Desk", "Network", "Database")]
    assert usable_workers(4) == 1
    results = list(
        run_jobs(team_name_with_pid, teams, workers=4, initializer=_remember, initargs=("T:",))
    )
    assert results == [(name, os.getpid()) for name in ("T:Desk", "T:Network", "T:Database")]


@pytest.mark.django_db(transaction=True)
def test_workers_run_the_jobs_in_other_processes_and_keep_their_order():
    needs_worker_processes()
    teams = [make_team(f"Team {number}").pk for number in range(12)]
    results = list(
        run_jobs(team_name_with_pid, teams, workers=2, initializer=_remember, initargs=("T:",))
    )
    assert [name for name, _ in results] == [f"T:Team {number}" for number in range(12)]
    assert os.getpid() not in {pid for _, pid in results}
    unordered = run_jobs(
        team_name_with_pid, teams, workers=2, ordered=False, initializer=_remember, initargs=("",)
    )
    assert sorted(name for name, _ in unordered) == sorted(f"Team {n}" for n in range(12))
    assert Team.objects.count() == 12  # this process's connection works again afterwards


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_dies_fails_the_run_instead_of_hanging_it():
    needs_worker_processes()
    with pytest.raises(BrokenProcessPool):
        list(run_jobs(die, range(6), workers=2))

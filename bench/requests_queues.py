"""Service requests at volume: the fulfilment queue, an approver's inbox and the portal's
catalogue search.

    .venv/bin/python bench/requests_queues.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kaizen_bench_requests
    .venv/bin/python bench/requests_queues.py --requests 100000 --database-url ...  # smaller

PostgreSQL only: the rows are written by `INSERT ... SELECT ... FROM generate_series` (not
through the services: a million requests through them would take hours), seeded and
deterministic: `--requests` requests (default 1,000,000), three fulfilment tasks each, one
approval step with one vote each, over `--types` request types (default 2,000) on 100
offerings, 20 teams, 200 agents (the approvers) and 2,000 requesters. An existing database
that holds them already is reused.

The pages are being written beside this benchmark, so it times the queries behind them, as
the pages' selectors shape them (the same filters, joins, order and a 50-row page with its
count), with thin functions defined here:

- fulfilment queue: a team's open tasks (open, in progress, on hold), with their request,
  requester, team and assignee, by SLA due time;
- approver's inbox: the votes an approver has pending on pending steps of requests awaiting
  approval, not their own requests, with request, type and requester, by due time;
- catalogue search: the active request types of active, requestable offerings open to the
  user, matching every word of the query in name, summary, offering or service.

Each is run `--runs` times (after 10 warm-up runs) with the parameters cycling seeded-randomly
(teams, approvers, words). Prints one JSON object.
"""

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from _setup import setup_django

WORDS = [
    "laptop", "monitor", "access", "drive", "software", "licence", "phone", "headset",
    "account", "mailbox", "printer", "token", "vpn", "desk", "badge", "tablet", "cloud",
    "database", "server", "backup", "report", "training", "starter", "leaver", "mover",
]  # fmt: skip


def seed(requests: int, types: int, rng: random.Random) -> dict[str, Any]:
    """Write the rows (see the module's docstring); returns what was written."""
    from django.db import connection, transaction
    from seed import seed_people

    from kaizen.catalog.models import ServiceOffering
    from kaizen.catalog.services import do_create_service
    from kaizen.people.models import Team, User

    started = time.perf_counter()
    with transaction.atomic():
        seed_people(rng, teams=20, agents=200, callers=2000)
        service = do_create_service(
            actor=None,
            name="Workplace",
            slug="workplace",
            summary="Everything for your desk",
            owner=User.objects.filter(kind="agent").first(),
        )
        ServiceOffering.objects.bulk_create(
            ServiceOffering(service=service, name=f"Offering {i}", offering_type="goods")
            for i in range(100)
        )
    agents = list(User.objects.filter(kind="agent").order_by("pk").values_list("pk", flat=True))
    users = list(User.objects.order_by("pk").values_list("pk", flat=True))
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    offerings = list(ServiceOffering.objects.order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor, transaction.atomic():
        # Request types: names and summaries of three seeded words each.
        type_rows = []
        for i in range(types):
            words = rng.sample(WORDS, 3)
            type_rows.append(
                (
                    offerings[i % len(offerings)],
                    f"{words[0].capitalize()} {words[1]} {i}",
                    f"Order a {words[1]} with {words[2]}",
                    team_ids[i % len(team_ids)],
                )
            )
        cursor.executemany(
            "INSERT INTO requests_requesttype (offering_id, name, summary, description, "
            "is_active, audience, fulfilment_group_id, price, cost, currency, created_at, "
            "updated_at, version) VALUES (%s, %s, %s, '', true, 'everyone', %s, NULL, NULL, "
            "'EUR', now(), now(), 1)",
            type_rows,
        )
        cursor.execute("SELECT min(id) FROM requests_requesttype")
        first_type = cursor.fetchone()[0]
        first_user, user_count = min(users), len(users)
        first_agent, agent_count = min(agents), len(agents)
        first_team, team_count = min(team_ids), len(team_ids)
        first_offering = min(offerings)
        # Requests: 95 % closed, 2 % awaiting approval, 2 % in fulfilment, 1 % on hold; opened
        # over two years, newest last.
        cursor.execute(
            f"""
            INSERT INTO requests_servicerequest (
                number, request_type_id, answers, title, offering_id, service_id,
                requested_for_id, requested_by_id, channel, state, hold_reason, clock_phase,
                clock_hold_reason, assignment_group_id, failure_reason, rejection_reason,
                cancellation_reason, opened_at, approval_requested_at, approved_at,
                fulfilment_started_at, fulfilled_at, closed_at, sla_due_at, sla_state,
                version, updated_at)
            SELECT 'REQ' || lpad(g::text, 8, '0'),
                {first_type} + (g::bigint * 7919) % {types}, '{{}}',
                'Request ' || g, {first_offering} + g % 100, {service.pk},
                {first_user} + (g * 31) % {user_count}, {first_user} + (g * 31) % {user_count},
                'portal', s.state, CASE WHEN s.state = 'on_hold' THEN 'awaiting_requester'
                ELSE '' END,
                CASE WHEN s.state IN ('awaiting_approval', 'on_hold') THEN 'held'
                     WHEN s.state = 'closed' THEN 'done' ELSE 'running' END,
                CASE WHEN s.state = 'awaiting_approval' THEN 'awaiting_approval'
                     WHEN s.state = 'on_hold' THEN 'awaiting_requester' ELSE '' END,
                {first_team} + g % {team_count}, '', '', '', o.opened, o.opened,
                CASE WHEN s.state <> 'awaiting_approval' THEN o.opened + interval '5 hours' END,
                CASE WHEN s.state <> 'awaiting_approval' THEN o.opened + interval '5 hours' END,
                CASE WHEN s.state = 'closed' THEN o.opened + interval '40 hours' END,
                CASE WHEN s.state = 'closed' THEN o.opened + interval '100 hours' END,
                o.opened + interval '5 days', 'ok', 3, o.opened
            FROM generate_series(1, {requests}) g
            CROSS JOIN LATERAL (SELECT now() - interval '730 days'
                + (g::float / {requests}) * interval '730 days' AS opened) o
            CROSS JOIN LATERAL (SELECT CASE
                WHEN g % 100 < 95 THEN 'closed'
                WHEN g % 100 < 97 THEN 'awaiting_approval'
                WHEN g % 100 < 99 THEN 'in_fulfilment'
                ELSE 'on_hold' END AS state) s
            """
        )
        # Three tasks per request: done for closed requests; for open ones in fulfilment the
        # first in progress or open, the later ones waiting.
        cursor.execute(
            f"""
            INSERT INTO requests_fulfilmenttask (
                number, request_id, position, title, instructions, assignment_group_id,
                assignee_id, state, hold_reason, opened_at, ready_at, started_at, finished_at,
                outcome_note, sla_due_at, sla_state, version, updated_at)
            SELECT 'TASK' || lpad((r.id * 3 + p)::text, 9, '0'), r.id, p, 'Task ' || p, '',
                {first_team} + (r.id * 7 + p) % {team_count},
                CASE WHEN r.state = 'closed' OR p = 1 THEN {first_agent}
                    + (r.id + p) % {agent_count} END,
                CASE WHEN r.state = 'closed' THEN 'done'
                     WHEN r.state = 'awaiting_approval' THEN 'cancelled'
                     WHEN p = 1 AND r.id % 3 = 0 THEN 'in_progress'
                     WHEN p = 1 AND r.id % 3 = 1 THEN 'on_hold'
                     WHEN p = 1 THEN 'open' ELSE 'waiting' END,
                '', r.opened_at, r.opened_at, r.opened_at, CASE WHEN r.state = 'closed'
                THEN r.opened_at + interval '30 hours' END, '',
                r.opened_at + interval '1 day' + p * interval '1 hour', 'ok', 2, r.opened_at
            FROM requests_servicerequest r CROSS JOIN generate_series(1, 3) p
            """
        )
        # One approval step and one vote per request: pending for those awaiting approval.
        cursor.execute(
            """
            INSERT INTO requests_requestapproval (
                request_id, position, name, approver_source, policy, due_at, due_hours,
                due_action, state, started_at, decided_at, outcome_note)
            SELECT r.id, 1, 'Line manager', 'requester_manager', 'any',
                r.opened_at + interval '72 hours', 72, 'reject',
                CASE WHEN r.state = 'awaiting_approval' THEN 'pending' ELSE 'approved' END,
                r.opened_at, r.approved_at, ''
            FROM requests_servicerequest r
            """
        )
        cursor.execute(
            f"""
            INSERT INTO requests_approvalvote (
                approval_id, approver_id, decision, decided_by_id, decided_at, comment,
                link_token_hash)
            SELECT a.id, {first_agent} + (a.request_id * 13) % {agent_count},
                CASE WHEN a.state = 'pending' THEN 'pending' ELSE 'approved' END,
                CASE WHEN a.state = 'pending' THEN NULL
                    ELSE {first_agent} + (a.request_id * 13) % {agent_count} END,
                a.decided_at, '', ''
            FROM requests_requestapproval a
            """
        )
    with connection.cursor() as cursor:
        # What autovacuum would have done by the time such a history exists.
        cursor.execute("VACUUM ANALYZE")
    return {"seed_s": round(time.perf_counter() - started, 1)}


# The queue's rows in the order it shows them, for the open states only: the model's
# (assignment_group, state, sla_due_at) index cannot give three states' rows in due order, so a
# team with many open tasks is read and sorted whole.
OPEN_TASK_INDEX = """
CREATE INDEX IF NOT EXISTS bench_task_open_queue ON requests_fulfilmenttask
    (assignment_group_id, sla_due_at, id) WHERE state IN ('open', 'in_progress', 'on_hold')
"""


# -- the queries behind the pages (bench-only: see the docstring) ----------------------------


def fulfilment_queue(team_id: int) -> tuple[int, list]:
    from kaizen.requests.models import FulfilmentTask

    rows = (
        FulfilmentTask.objects.filter(
            assignment_group_id=team_id, state__in=("open", "in_progress", "on_hold")
        )
        .select_related("request__requested_for", "assignment_group", "assignee")
        .order_by("sla_due_at", "id")
    )
    return rows.count(), list(rows[:50])


def approver_inbox(user_id: int) -> tuple[int, list]:
    from kaizen.requests.models import ApprovalVote

    rows = (
        ApprovalVote.objects.filter(
            approver_id=user_id,
            decision="pending",
            approval__state="pending",
            approval__request__state="awaiting_approval",
        )
        .exclude(approval__request__requested_for_id=user_id)
        .exclude(approval__request__requested_by_id=user_id)
        .select_related(
            "approver",
            "approval__request__request_type",
            "approval__request__requested_for",
            "approval__request__requested_by",
        )
        .order_by("approval__due_at", "approval__started_at", "pk")
    )
    return rows.count(), list(rows[:50])


def catalogue_search(user: Any, query: str) -> tuple[int, list]:
    from django.db.models import Exists, OuterRef, Q

    from kaizen.core.filtering import search_terms
    from kaizen.requests.models import RequestType

    allowed = (
        Q(audience="everyone")
        | Exists(
            RequestType.allowed_people.through.objects.filter(
                requesttype_id=OuterRef("pk"), user_id=user.pk
            )
        )
        | Exists(
            RequestType.allowed_teams.through.objects.filter(
                requesttype_id=OuterRef("pk"), team__members=user
            )
        )
    )
    rows = (
        RequestType.objects.filter(
            allowed, is_active=True, offering__is_active=True, offering__is_requestable=True
        )
        .select_related("offering", "offering__service")
        .order_by("offering__service__name", "name", "pk")
    )
    rows = search_terms(
        rows, ("name", "summary", "offering__name", "offering__service__name"), query
    )
    found = list(rows)
    return len(found), found


def timed(run: Callable[[], tuple[int, list]], runs: int) -> dict[str, float]:
    timings, sizes = [], []
    for number in range(runs + 10):
        begin = time.perf_counter()
        total, page = run()
        elapsed = time.perf_counter() - begin
        if number >= 10:
            timings.append(elapsed)
            sizes.append(total)
    timings.sort()
    return {
        "runs": len(timings),
        "rows_mean": round(statistics.mean(sizes), 1),
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1] * 1000, 2),
        "max_ms": round(timings[-1] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--types", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database")
    parser.add_argument(
        "--open-task-index",
        action="store_true",
        help="add a partial index of the open tasks by team and due time first (a candidate "
        "for the model: see docs/benchmarks.md)",
    )
    args = parser.parse_args()
    vendor = setup_django(args.database_url)
    if vendor != "postgresql":
        raise SystemExit("This benchmark seeds with PostgreSQL's generate_series.")

    from kaizen.people.models import Team, User
    from kaizen.requests.models import FulfilmentTask, ServiceRequest

    rng = random.Random(args.seed)
    written: dict[str, Any] = {"seed_s": 0.0}
    if ServiceRequest.objects.count() < args.requests:
        written = seed(args.requests, args.types, rng)
    if args.open_task_index:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(OPEN_TASK_INDEX)
            cursor.execute("ANALYZE requests_fulfilmenttask")
    teams = list(Team.objects.values_list("pk", flat=True))
    approvers = list(User.objects.filter(kind="agent").values_list("pk", flat=True))
    requester = User.objects.filter(kind="requester").first()
    queries = [" ".join(rng.sample(WORDS, rng.choice((1, 2)))) for _ in range(50)]
    results = {
        "fulfilment_queue": timed(lambda: fulfilment_queue(rng.choice(teams)), args.runs),
        "approver_inbox": timed(lambda: approver_inbox(rng.choice(approvers)), args.runs),
        "catalogue_search": timed(
            lambda: catalogue_search(requester, rng.choice(queries)), args.runs
        ),
    }
    print(
        json.dumps(
            {
                "benchmark": "requests_queues",
                "database": vendor,
                "requests": ServiceRequest.objects.count(),
                "tasks": FulfilmentTask.objects.count(),
                "request_types": args.types,
                "open_task_index": args.open_task_index,
                **written,
                **results,
            }
        )
    )


if __name__ == "__main__":
    main()

"""Take the screenshots in docs/screenshots/ from a running Kaizen with the demo data.

    make run &   # in another terminal
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000

Uses Debian's Chromium through Playwright, like the browser tests.
"""

import argparse
import json
import os
from pathlib import Path

import django
from playwright.sync_api import Page, sync_playwright

# kaizen.e2e.conftest imports the test factories, which import models: Django first.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaizen.settings")
django.setup()

from kaizen.e2e.conftest import CHROMIUM_ARGS, chromium_path  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# (file name, user, path)
SHOTS = [
    ("home-requester.png", "emma.jones", "/"),
    ("catalogue-requester.png", "emma.jones", "/catalog/"),
    ("service-requester.png", "emma.jones", "/catalog/services/email/"),
    # Each role's home (docs/home.md).
    ("home-agent.png", "tom.baker", "/"),
    ("home-incident-manager.png", "maria.lopez", "/"),
    ("home-csi-manager.png", "kenji.sato", "/"),
    ("home-change-manager.png", "olu.adeyemi", "/"),
    ("home-administrator.png", "admin", "/"),
    ("catalogue-agent.png", "eva.schmidt", "/catalog/"),
    ("service-agent.png", "eva.schmidt", "/catalog/services/erp-finance/"),
    ("service-edit.png", "eva.schmidt", "/catalog/services/vpn/edit/"),
    ("configuration-items.png", "olu.adeyemi", "/catalog/cis/"),
    ("teams.png", "grace.hopper", "/teams/"),
    ("team.png", "grace.hopper", "/teams/service-desk/"),
    ("people.png", "grace.hopper", "/people/"),
    ("api-tokens.png", "grace.hopper", "/profile/tokens/"),
    ("audit-trail.png", "grace.hopper", "/audit/"),
    ("incident-queue.png", "tom.baker", "/incidents/queues/all/?state=open&sort=sla_due"),
    ("incident-breaching.png", "tom.baker", "/incidents/queues/breaching/"),
    # Change enablement (docs/changes.md).
    ("changes.png", "olu.adeyemi", "/changes/"),
    ("changes-unauthorised.png", "olu.adeyemi", "/changes/?unauthorised=yes"),
    ("change-templates.png", "olu.adeyemi", "/changes/templates/"),
    ("change-approvals.png", "olu.adeyemi", "/changes/approvals/"),
    ("change-cab-meetings.png", "olu.adeyemi", "/changes/cab/"),
    ("change-new.png", "tom.baker", "/changes/new/"),
    ("change-calendar.png", "olu.adeyemi", "/changes/calendar/"),
    ("change-calendar-week.png", "olu.adeyemi", "/changes/calendar/week/"),
    ("change-risk-questionnaire.png", "olu.adeyemi", "/changes/risk/questionnaire/"),
    # Problem management (docs/problems.md).
    ("problems.png", "priya.nair", "/problems/?state=open"),
    ("problem-candidates.png", "priya.nair", "/problems/candidates/"),
    ("problem-known-errors.png", "priya.nair", "/problems/known-errors/"),
    ("problem-self-help.png", "emma.jones", "/problems/self-help/"),
    ("sla-definitions.png", "eva.schmidt", "/sla/"),
    ("sla-calendar.png", "eva.schmidt", "/sla/calendars/uk-office-hours/"),
    ("portal-report.png", "emma.jones", "/incidents/report/"),
    ("portal-my-incidents.png", "emma.jones", "/incidents/mine/"),
    ("api-docs.png", "grace.hopper", "/api/v1/docs/"),
    ("kpi-scorecard.png", "kenji.sato", "/kpis/?period=month"),
    (
        "kpi-detail.png",
        "kenji.sato",
        "/kpis/incident.resolution_hours_median/?period=month&by=priority",
    ),
    ("kpi-sla-met.png", "kenji.sato", "/kpis/incident.sla_met_pct/?period=month&by=team"),
    ("imports.png", "maria.lopez", "/imports/"),
    ("import-run.png", "maria.lopez", "/imports/1/"),
    ("import-new.png", "maria.lopez", "/imports/new/"),
    # The improvement register on the demo's initiatives: 1 walked all seven steps, 2 is its
    # second cycle, 3 waits for its decision at step 6.
    ("improvement-register.png", "kenji.sato", "/improvement/"),
    ("improvement-board.png", "kenji.sato", "/improvement/board/"),
    ("improvement-goals.png", "kenji.sato", "/improvement/goals/"),
    ("improvement-initiative.png", "kenji.sato", "/improvement/1/"),
    *[
        (f"improvement-step{step}.png", "kenji.sato", f"/improvement/1/step/{step}/")
        for step in range(1, 8)
    ],
    ("improvement-decision-asked.png", "kenji.sato", "/improvement/3/step/6/"),
    ("improvement-report.png", "kenji.sato", "/improvement/1/report/"),
    ("improvement-opportunities.png", "kenji.sato", "/improvement/opportunities/"),
    ("improvement-opportunity.png", "kenji.sato", "/improvement/opportunities/1/"),
]
# Pages longer than the window, taken whole.
FULL_PAGE = {f"improvement-step{step}.png" for step in range(1, 8)} | {
    "improvement-report.png",
    *(name for name, _, _ in SHOTS if name.startswith("home-")),
}


def sign_in(page: Page, url: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--data-dir", default=os.environ.get("KAIZEN_DATA_DIR", "data"))
    parser.add_argument("--only", default="", help="take only the shots whose name starts so")
    args = parser.parse_args()
    password = json.loads((Path(args.data_dir) / "demo-credentials.json").read_text())["password"]
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 860})
        page.goto(f"{args.url}/login/")
        page.screenshot(path=OUT / "sign-in.png")
        current = None
        for name, user, path in SHOTS:
            if not name.startswith(args.only):
                continue
            if user != current:
                sign_in(page, args.url, user, password)
                current = user
            page.goto(f"{args.url}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / name, full_page=name in FULL_PAGE)
            print(f"{name}: {page.title()}")
        if "change-detail.png".startswith(args.only):
            # A change in review: its risk, authorisation, schedule, review and the incidents
            # proposed as caused by it.
            sign_in(page, args.url, "olu.adeyemi", password)
            page.goto(f"{args.url}/changes/?state=review&sort=-opened")
            page.locator("#change-list tbody a").first.click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / "change-detail.png", full_page=True)
            print(f"change-detail.png: {page.title()}")
        # Problems found by their statement (their numbers follow the imported ones).
        for name, search in (
            ("problem-known-error.png", "northwind"),
            ("problem-four-ps.png", "monthly update"),
            ("problem-fixed.png", "expense app"),
        ):
            if name.startswith(args.only):
                sign_in(page, args.url, "priya.nair", password)
                page.goto(f"{args.url}/problems/?q={search}")
                page.locator("#problem-list tbody a").first.click()
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1200)  # the charts' animation
                page.screenshot(path=OUT / name, full_page=True)
                print(f"{name}: {page.title()}")
        if "problem-candidate.png".startswith(args.only):
            sign_in(page, args.url, "priya.nair", password)
            page.goto(f"{args.url}/problems/candidates/")
            page.locator("main table tbody a").first.click()
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1200)
            page.screenshot(path=OUT / "problem-candidate.png", full_page=True)
            print(f"problem-candidate.png: {page.title()}")
        if "problem-incident-panel.png".startswith(args.only):
            # An open incident an agent applied the mail bounces' known error to.
            sign_in(page, args.url, "priya.nair", password)
            page.goto(f"{args.url}/incidents/queues/all/?state=open&q=customer+bounce")
            page.locator("#incident-table tbody a").first.click()
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / "problem-incident-panel.png", full_page=True)
            print(f"problem-incident-panel.png: {page.title()}")
        if args.only and not "incident-detail.png".startswith(args.only):
            browser.close()
            return
        # An incident worked on, with its SLA clocks explained.
        sign_in(page, args.url, "tom.baker", password)
        page.goto(f"{args.url}/incidents/queues/all/?state=in_progress&sort=sla_due")
        page.locator("#incident-table tbody a").first.click()
        page.wait_for_load_state("networkidle")
        page.locator("#sla-clocks details").first.evaluate("node => node.open = true")
        page.screenshot(path=OUT / "incident-detail.png", full_page=True)
        print(f"incident-detail.png: {page.title()}")
        browser.close()


if __name__ == "__main__":
    main()

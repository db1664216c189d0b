"""Take the screenshots in docs/screenshots/ from a running Kaizen with the demo data.

    make run &   # in another terminal
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000

Uses Debian's Chromium through Playwright, like the browser tests.
"""

import argparse
import json
import os
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from kaizen.e2e.conftest import CHROMIUM_ARGS, chromium_path

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

# (file name, user, path)
SHOTS = [
    ("catalogue-requester.png", "emma.jones", "/catalog/"),
    ("service-requester.png", "emma.jones", "/catalog/services/email/"),
    ("overview-agent.png", "grace.hopper", "/"),
    ("catalogue-agent.png", "eva.schmidt", "/catalog/"),
    ("service-agent.png", "eva.schmidt", "/catalog/services/erp-finance/"),
    ("service-edit.png", "eva.schmidt", "/catalog/services/vpn/edit/"),
    ("configuration-items.png", "olu.adeyemi", "/catalog/cis/"),
    ("teams.png", "grace.hopper", "/teams/"),
    ("team.png", "grace.hopper", "/teams/service-desk/"),
    ("people.png", "grace.hopper", "/people/"),
    ("api-tokens.png", "grace.hopper", "/profile/tokens/"),
    ("audit-trail.png", "grace.hopper", "/audit/"),
    ("api-docs.png", "grace.hopper", "/api/v1/docs/"),
]


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
            if user != current:
                sign_in(page, args.url, user, password)
                current = user
            page.goto(f"{args.url}{path}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=OUT / name, full_page=False)
            print(f"{name}: {page.title()}")
        browser.close()


if __name__ == "__main__":
    main()

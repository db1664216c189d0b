"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), never a download."""

import os
import shutil
from collections.abc import Iterator

import pytest

from kaizen.testing import restore_seeded_rows

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("KAIZEN_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `make browser` installs Debian's package")
        pytest.skip("chromium is not installed; run `make browser`")
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
    # thread with a running loop unless told the test knows what it is doing.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def reference_data(live_server):
    """Browser tests run on a live server, so each ends with the tables flushed, and with them
    the rows data migrations put there (the priority matrix)."""
    restore_seeded_rows()


# Every page in the browser reports what its Content-Security-Policy blocked; the `page`
# fixture fails the test that showed one (an inline script or style, a foreign asset).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def watch_csp(context, found: list[str]) -> None:
    """Collect the CSP violations of every page the browser context opens into `found`."""
    context.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and (
            text.startswith("CSP violation") or "Content Security Policy" in text
        ):
            found.append(f"{message.location.get('url', '')}: {text}")

    context.on("console", on_console)


@pytest.fixture
def page(browser, live_server, reference_data):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    violations: list[str] = []
    watch_csp(context, violations)
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(sorted(set(violations))))


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")

"""No template writes what the Content-Security-Policy blocks: an inline <script>, an event
handler attribute (onclick=...), a javascript: URL, an inline style. Scripts are static files
that read their data from json_script blocks and data-* attributes; sizes and colours are CSS
classes (docs/configuration.md, "Security headers")."""

import re
from pathlib import Path

import kaizen

ROOT = Path(kaizen.__file__).parent

# E-mails are read in mail programs, not under the site's policy.
MAIL = re.compile(r"/templates/notifications/")
# One file for the shared link and the PDF: its <style> blocks carry the response's nonce.
NONCE_STYLES = {"templates/reports/standalone.html"}

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


def templates() -> list[Path]:
    found = sorted(path for path in ROOT.rglob("*.html") if "templates" in path.parts)
    assert len(found) > 100  # the scan sees Kaizen's templates
    return found


def offences(pattern: re.Pattern[str], *, skip=lambda name: False) -> list[str]:
    found = []
    for path in templates():
        name = path.relative_to(ROOT).as_posix()
        if skip(name):
            continue
        text = path.read_text(encoding="utf-8")
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {match.group(0)[:80]}")
    return found


def test_no_template_has_an_inline_script():
    assert offences(INLINE_SCRIPT) == []


def test_no_template_has_an_event_handler_attribute():
    assert offences(EVENT_HANDLER) == []


def test_no_template_has_a_javascript_url():
    assert offences(JAVASCRIPT_URL) == []


def test_no_page_template_has_an_inline_style():
    def mail(name: str) -> bool:
        return bool(MAIL.search("/" + name))

    assert offences(STYLE_ATTRIBUTE, skip=mail) == []
    assert offences(STYLE_ELEMENT, skip=lambda name: mail(name) or name in NONCE_STYLES) == []


def test_the_scan_finds_what_it_looks_for():
    """The patterns match the forms the pages once had."""
    assert INLINE_SCRIPT.search("<script>\n(function () {})();\n</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/kaizen/app.js"></script>')
    assert EVENT_HANDLER.search('<select name="period" onchange="this.form.submit()">')
    assert EVENT_HANDLER.search('<form class="d-inline"\n  onsubmit="return confirm(1)">')
    assert not EVENT_HANDLER.search('<p data-confirm="Remove it?">Work on=it</p>')
    assert JAVASCRIPT_URL.search('<a href="JavaScript:void(0)">')
    assert STYLE_ATTRIBUTE.search('<div class="progress" style="height: 6px">')
    assert not STYLE_ATTRIBUTE.search('<div data-kz-width="40">')

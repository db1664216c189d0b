"""The Content-Security-Policy as a browser applies it: an inline script or style is blocked,
and the watch every browser test keeps (conftest.watch_csp) reports it."""

from kaizen.e2e.conftest import sign_in, watch_csp
from kaizen.improvement.services import do_share_report
from kaizen.improvement.tests.test_report import analysed_initiative
from kaizen.people.models import Process, Role
from kaizen.people.services import do_grant_process_role
from kaizen.testing import PASSWORD, make_user


def test_the_browser_blocks_inline_script_and_style_and_the_watch_reports_them(
    browser, live_server, reference_data
):
    context = browser.new_context()
    found: list[str] = []
    watch_csp(context, found)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.wait_for_load_state("load")
    assert found == []  # the sign-in page itself loads cleanly
    # Resolves once the browser has reported both blocked pieces (CSP events are dispatched
    # after the insertion returns).
    directives = page.evaluate(
        """() => new Promise((resolve) => {
        const seen = [];
        setTimeout(() => resolve(seen.sort()), 5000);  // what was reported, if not both
        document.addEventListener("securitypolicyviolation", (event) => {
          seen.push(event.violatedDirective);
          if (seen.length === 2) { resolve(seen.sort()); }
        });
        const script = document.createElement("script");
        script.textContent = "window.injected = true;";
        document.body.appendChild(script);
        const style = document.createElement("style");
        style.textContent = "body { background: red; }";
        document.head.appendChild(style);
    })"""
    )
    assert directives == ["script-src-elem", "style-src-elem"]
    assert page.evaluate("() => window.injected") is None
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") != (
        "rgb(255, 0, 0)"
    )
    assert any("script-src" in line for line in found), found
    assert any("style-src" in line for line in found), found
    context.close()


def test_the_report_and_its_shared_link_draw_their_charts_within_the_policy(page, live_server):
    """The report's four charts (inline SVG) and the shared page's nonce'd stylesheets: the
    `page` fixture fails this test on any violation."""
    owner = make_user("paul", first_name="Paul", last_name="Owner")
    do_grant_process_role(owner, Process.INCIDENT, Role.OWNER, actor=None)
    initiative = analysed_initiative(owner)
    token = do_share_report(initiative, actor=owner)
    base = live_server.url

    sign_in(page, base, "paul", PASSWORD)
    page.goto(f"{base}/improvement/{initiative.pk}/report/")
    assert page.locator("svg.kz-svg").count() == 4
    page.goto(f"{base}/improvement/shared/{token}/")
    assert page.locator("svg.kz-svg").count() == 4
    # The page's own inline stylesheet applied (white sheet on grey): its nonce let it in.
    sheet = page.evaluate(
        "() => getComputedStyle(document.querySelector('.kz-shared')).backgroundColor"
    )
    assert sheet == "rgb(255, 255, 255)"

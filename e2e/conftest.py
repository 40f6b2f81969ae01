"""Real-browser tests: Playwright driving Debian's chromium against pytest-django's live server.

Run with `make test-browser` (or as part of `make test`). The browser is the system one
(/usr/bin/chromium, `apt-get install chromium`); `playwright install` is never needed."""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse ORM
# calls from the test body ("You cannot call this from an async context").
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PEYVAND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parent.parent / "test-results"
PASSWORD = "a-Str0ng-passphrase"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test-browser` (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        (RESULTS_DIR / f"{name}.html").write_text(page.content(), encoding="utf-8")
        if errors:
            (RESULTS_DIR / f"{name}.js-errors.txt").write_text("\n".join(errors), encoding="utf-8")
    context.close()


@pytest.fixture
def sign_in(page, live_server):
    """Sign in through the real login page; returns the page, now on the dashboard."""

    def sign_in_as(user, password: str = PASSWORD):
        user.set_password(password)
        user.save(update_fields=["password"])
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=username]").fill(user.username)
        page.locator("input[name=password]").fill(password)
        page.locator("form[action$='/accounts/login/'] [type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in_as

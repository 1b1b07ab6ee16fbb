"""The page in a real browser: Debian's Chromium, headless, driven by Playwright (no browser download).

Asks the ambassador question, clicks the citation and checks the inspector; uploads a hostile HTML
article and checks that nothing in it ran and its markup shows as text. Screenshots go to
tests/output/browser/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = [pytest.mark.llm, pytest.mark.server]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUT = ROOT / "tests" / "output" / "browser"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page(ui_server, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it with apt (see Makefile)")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                     chromium_sandbox=False)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        pg.requests = []  # every URL the page asked for
        pg.on("request", lambda r: pg.requests.append(r.url))
        pg.goto(ui_server, wait_until="load")
        pg.locator("#nd-question textarea").wait_for(timeout=60_000)
        yield pg
        browser.close()


def ask(page, question: str) -> None:
    before = page.locator("#nd-chat a.nd-cite, #nd-chat .nd-abstain").count()
    page.locator("#nd-question textarea").fill(question)
    page.locator("#nd-ask").click()
    page.wait_for_function(
        "n => document.querySelectorAll('#nd-chat a.nd-cite, #nd-chat .nd-abstain').length > n",
        arg=before, timeout=120_000)


def test_answer_citation_opens_highlighted_passage(page):
    ask(page, "Who is North Korea's ambassador to the United Nations?")
    assert "Ja Song Nam" in page.locator("#nd-chat").inner_text()
    page.get_by_role("tab", name="Passage").click()
    page.locator("#nd-chat a.nd-cite").last.click()
    hit = page.locator("#nd-inspector mark#nd-hit")
    hit.wait_for(timeout=30_000)
    assert "Ja Song Nam" in hit.inner_text()
    inspector = page.locator("#nd-inspector").inner_text()
    assert "UPI" in inspector and "Jennie Oh" in inspector
    assert hit.is_visible()  # scrolled into view inside the article box
    page.screenshot(path=str(OUT / "answer.png"), full_page=True)


def test_hostile_upload_stays_inert(page):
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#nd-upload input[type=file]").set_input_files(str(ROOT / "tests" / "data" / "hostile.html"))
    page.wait_for_timeout(1500)
    page.locator("#nd-ingest").click()
    # The progress text also names the file, so wait for the report's status cell itself.
    page.wait_for_function("() => /\\badded\\b/.test(document.querySelector('#nd-report')?.innerText || '')",
                           timeout=60_000)
    assert "hostile.html" in page.locator("#nd-report").inner_text()
    ask(page, "How many fishing boats had returned to their moorings by noon?")
    page.get_by_role("tab", name="Passage").click()
    assert "14" in page.locator("#nd-chat .message").last.inner_text()
    page.locator("#nd-chat a.nd-cite").last.click()
    page.wait_for_function("() => document.querySelector('#nd-inspector')?.innerText.includes('Coastal Herald')",
                           timeout=30_000)
    inspector = page.locator("#nd-inspector")
    assert "14 fishing boats" in inspector.locator("mark#nd-hit").inner_text()
    assert "Readers posted <script>window.__pwned=4</script> in the comments" in inspector.inner_text()
    assert inspector.locator("script").count() == 0
    assert page.evaluate("window.__pwned") is None  # no script, handler or link from the article ran
    page.screenshot(path=str(OUT / "hostile-upload.png"), full_page=True)


def test_page_makes_no_request_outside_the_host(page, ui_server):
    outside = [u for u in page.requests if not u.startswith(ui_server.rstrip("/")) and not u.startswith("data:")
               and not u.startswith("blob:")]
    assert page.requests and outside == []

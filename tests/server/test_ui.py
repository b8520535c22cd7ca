"""The query editor in a real browser (Debian's chromium): YASGUI loads from this server alone, shows every named
question as a tab, runs one against the endpoint with its default request and draws the rows the store gives."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from bench.browser import CHROMIUM, launch
from graph.query.named import all_queries

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page_and_log(built, start_server):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it: make browser)")
    from playwright.sync_api import sync_playwright

    url, site, _ = start_server(built.staging)
    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context()
        foreign: list[str] = []

        def guard(route):  # nothing may leave the machine: record and abort any other host
            if urlsplit(route.request.url).hostname not in ("127.0.0.1", "localhost"):
                foreign.append(route.request.url)
                return route.abort()
            return route.continue_()

        context.route("**/*", guard)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{url}/sparql", wait_until="load")  # a browser's Accept: the editor
        page.wait_for_function("() => window.yasgui && yasgui.getTab()")
        yield page, foreign, errors, site
        browser.close()


def test_every_named_question_is_a_tab(page_and_log):
    page, foreign, errors, _ = page_and_log
    names = page.evaluate("() => yasgui.persistentConfig.getTabs().map(id => yasgui.getTab(id).getName())")
    assert names == [q.title or q.name for q in all_queries() if not q.is_check]
    assert not foreign, foreign
    assert not errors, errors


def test_a_tab_runs_and_shows_the_stores_rows(page_and_log):
    page, foreign, _, site = page_and_log
    questions = [q for q in all_queries() if not q.is_check]
    index = next(i for i, q in enumerate(questions) if q.name == "regions")
    page.evaluate("(i) => { const ids = yasgui.persistentConfig.getTabs(); yasgui.selectTabId(ids[i]); }", index)
    with page.expect_response(lambda r: r.url.endswith("/sparql") and r.request.method == "POST") as answer:
        page.evaluate("() => yasgui.getTab().query()")
    response = answer.value
    assert response.status == 200
    assert response.request.headers["accept"].startswith("application/sparql-results+json")
    page.wait_for_selector(".tabPanel.active .yasr table.dataTable tbody tr", timeout=20000)
    expected = len(list(site.store.raw().query(questions[index].sparql, use_default_graph_as_union=True)))
    shown = page.evaluate("() => yasgui.getTab().getYasr().results.getBindings().length")
    assert shown == expected == 47  # the seed's 47 regions, Germany and Singapore among them (README)
    assert not foreign, foreign

"""Fixtures of the site's tests: the real build's pages, and Debian's chromium with and without system CJK fonts."""
from __future__ import annotations

import pytest

from bench.browser import CHROMIUM, launch


@pytest.fixture(scope="module")
def site(built):
    """The real build's output folder (its pages written by the pipeline step) and its store."""
    return built.staging, built.store


def _browser(system_cjk: bool):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it: make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p, system_cjk=system_cjk)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def chromium():
    yield from _browser(True)


@pytest.fixture(scope="module")
def chromium_without_cjk():
    """Chromium seeing no CJK font at all (fontconfig with DejaVu only), as on a fresh machine."""
    yield from _browser(False)

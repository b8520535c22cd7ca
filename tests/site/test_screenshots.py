"""Screenshots of every page, with and without a system CJK font (docs/screenshots are made the same way)."""
from __future__ import annotations

import pytest

from bench.browser import CHROMIUM, screenshots
from graph.site.pages import PAGE_FILES


@pytest.mark.slow
def test_screenshots_of_every_page_with_and_without_a_system_cjk_font(site, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (CI installs it: make browser)")
    out, _ = site
    written = screenshots(out, tmp_path)
    expected = {f"{n.removesuffix('.html')}{suffix}.png" for n in ("index.html", *PAGE_FILES) for suffix in ("", "-no-cjk")}
    assert {p.name for p in written} == expected
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000 for p in written)

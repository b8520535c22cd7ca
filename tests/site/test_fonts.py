"""The embedded font: the subset holds every character of the site, is deterministic, and in Chromium every label
and text is drawn with it, also when the machine has no CJK font (a missing glyph fails the test)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from bench.browser import missing_glyphs, open_page, platform_fonts, system_cjk_fonts
from graph.site.fonts import FAMILY, codepoints, missing, subset_woff2
from graph.site.pages import PAGE_FILES
from graph.site.render import FONT_FILE, FONT_LICENCE, site_text

# Text elements of every page (the canvas labels are checked by measuring, below).
SELECTOR = ("h1, h1 *, nav a, nav a *, .intro, .intro *, .controls label, .controls label *, #legend button, "
            "#legend button *, .credits, #details *, #provision-text, #provision-text *, #roles *, option")
NEGATIVE = "缺字：龘齉"  # rare characters the seed never uses: the checks must flag them


def pages_text(out: Path) -> dict[str, str]:
    return {name: (out / name).read_text(encoding="utf-8") for name in ("index.html", *PAGE_FILES)}


def test_subset_holds_every_character_of_the_site(site):
    out, _ = site
    font = TTFont(out / "lib" / FONT_FILE)
    cmap = font.getBestCmap()
    text = site_text(pages_text(out))
    wanted = set(codepoints(text)) - {ord(c) for c in missing(text)}
    assert wanted - set(cmap) == set(), "characters of the site missing from lib/hq-font.woff2"
    assert len(set(cmap)) < 3 * len(wanted), "the subset holds far more than the site uses"
    assert sum(1 for c in cmap if 0x4E00 <= c <= 0x9FFF) > 500, "the seed site uses several hundred hanzi"
    assert missing(text) == [], f"Noto Sans SC lacks {missing(text)}"
    assert "Open Font License" in (out / "lib" / FONT_LICENCE).read_text(encoding="utf-8")


def test_subset_is_deterministic():
    text = "长江三角洲区域一体化 Yangtze River Delta 123"
    first = subset_woff2(text)
    assert first == subset_woff2(text) and first[:4] == b"wOF2"
    assert {ord(c) for c in "长江三角洲"} <= set(TTFont(io.BytesIO(first)).getBestCmap())


def test_pages_name_the_embedded_font_first(site):
    out, _ = site
    css = (out / "lib" / "hq-pages.css").read_text(encoding="utf-8")
    assert re.search(r'@font-face\s*{[^}]*font-family:\s*"%s"[^}]*url\("%s"\)' % (FAMILY, FONT_FILE), css)
    assert re.search(r'body\s*{\s*font:[^;]*"%s"' % FAMILY, css)


def test_the_checks_see_a_machine_without_cjk_fonts():
    assert system_cjk_fonts(system_cjk=False) == [], "the restricted fontconfig still offers a CJK font"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["index.html", *PAGE_FILES])
def test_every_text_is_drawn_with_the_embedded_font_without_system_cjk(chromium_without_cjk, site, name):
    out, _ = site
    page, _, problems = open_page(chromium_without_cjk, out / name)
    try:
        assert problems == []
        if name != "index.html":  # something in the panels too: the first node's details
            page.evaluate("hq.select(hq.nodes.getIds()[0])")
        shaped = platform_fonts(page, SELECTOR if name != "index.html" else "h1, h1 *, h2, h2 *, li, li *, p, p *")
        assert shaped, f"{name}: no text found"
        for text, fonts in shaped:
            # Plain ASCII in a monospace IRI may use a system font; any other text must be the embedded font's.
            others = [f for f in fonts if not f[1]]
            if others and not text.isascii():
                pytest.fail(f"{name}: {text[:40]!r} drawn with {others} (missing from the embedded font)")
        if name == "index.html":
            return
        labels = page.evaluate("hq.data.nodes.flatMap(n => [n.zh, n.en])")
        assert missing_glyphs(page, labels) == [], f"{name}: labels with characters the font lacks"
        assert missing_glyphs(page, [NEGATIVE]) == ["齉", "龘"], "the glyph check cannot fail"
        assert page.evaluate("hq.font").startswith(f"'{FAMILY}'"), "the canvas labels use the embedded font"
    finally:
        page.close()

"""The pages' Chinese font: Noto Sans SC cut down to the characters the site uses, so Chinese shows on a machine
without any CJK font (Chromium otherwise draws a box for every character it finds in no font).

One subset serves every page of a build (lib/hq-font.woff2, cached by the browser across pages): the union of the
characters of the pages' HTML, their data and the script's own strings. Measured: ~170 bytes of WOFF2 per hanzi
(the seed site's ~900 distinct characters: ~150 KB) and 1–4 s to cut. Noto Sans SC comes from the PyPI wheel
pylopdf-fonts-zh-cn (OFL-1.1; its licence text is copied beside the font).
"""
from __future__ import annotations

import io
import unicodedata
from pathlib import Path

FAMILY = "HQ Sans SC"
# Always in the subset: printable ASCII, so numbers and Latin text typed or counted at run time use the same font.
ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "…—·、，。：；（）“”《》→←●■◆▲▼★❖━"


def source_font() -> Path:
    import pylopdf_fonts_zh_cn

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FileNotFoundError(f"{path}: Noto Sans SC is missing (pip install pylopdf-fonts-zh-cn)")
    return path


def font_licence() -> str:
    """The OFL text shipped in the font wheel's metadata."""
    from importlib.metadata import distribution

    text = distribution("pylopdf-fonts-zh-cn").read_text("licenses/LICENSE")
    if not text or "Open Font License" not in text:
        raise FileNotFoundError("pylopdf-fonts-zh-cn: its licence (OFL-1.1) is missing from the wheel")
    return text


def codepoints(text: str) -> list[int]:
    """Distinct printable code points of `text` plus ALWAYS, sorted (control characters have no glyph)."""
    return sorted({ord(c) for c in text + ALWAYS if unicodedata.category(c)[0] != "C"})


def subset_woff2(text: str, font: Path | None = None) -> bytes:
    """WOFF2 bytes of the font holding exactly the code points of `text` (and ALWAYS); byte-identical for the
    same text. Characters the font lacks are simply absent (missing() names them)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.name_IDs = ["*"]  # keep every name record: the OFL asks for its notice
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # Chromium on Linux ignores CFF hints; they are large
    options.desubroutinize = True  # compresses ~6% better after subsetting
    options.drop_tables += ["DSIG"]
    font_file = TTFont(str(font or source_font()), recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=codepoints(text))
    subsetter.subset(font_file)
    # Saving straight to WOFF2 varies by a few bytes with PYTHONHASHSEED; a round trip through sfnt does not.
    plain = io.BytesIO()
    font_file.save(plain, reorderTables=True)
    plain.seek(0)
    again = TTFont(plain, recalcTimestamp=False)
    again.flavor = "woff2"
    out = io.BytesIO()
    again.save(out, reorderTables=True)
    return out.getvalue()


def missing(text: str, font: Path | None = None) -> list[str]:
    """Characters of `text` the font has no glyph for."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font or source_font()), lazy=True).getBestCmap()
    return [chr(c) for c in codepoints(text) if c not in cmap]

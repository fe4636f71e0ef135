"""The embedded font, made cheap per document: parsed once per process, subset from a small base.

fpdf2's `add_font` parses the 8 MB Noto Sans SC on every document (~285 ms) and `output()`
subsets the whole font again (~300 ms). Here the parse happens once per process (`template`), each
document gets a light copy of it (`attach`), and at output a document whose characters are all
common (GB 2312, Latin, punctuation) is subset from a pre-cut base font of ~8,400 glyphs without
subroutines, cmap or OS/2 (`prepare_output`): ~30 ms instead of ~300 ms. Any other character (a
rare name character such as 堃 or 𬌗) makes that document subset the full font, as fpdf2 would.
"""

from __future__ import annotations

import copy
import logging
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

LOGGER = logging.getLogger(__name__)

# Bump when the recipe of the base font changes: the cached file's name carries it.
RECIPE = "common-v1"
# What fpdf2 embeds of a CID-keyed CFF font is the CFF table alone (widths come from the parsed
# template), so the base keeps the few tables fontTools needs to subset and save it.
_KEPT_TABLES = frozenset({"CFF ", "head", "hhea", "hmtx", "maxp", "post", "name", "GlyphOrder"})
# Per document, set again on each copy; everything else in a TTFFont is read-only after __init__.
_PER_DOCUMENT = frozenset(
    {"i", "subset", "missing_glyphs", "ttfont", "desc", "_hbfont", "biggest_size_pt"}
)


def is_common(codepoint: int) -> bool:
    """Whether the base font holds this character: GB 2312, everything below the CJK radicals
    (Latin, Greek, Cyrillic, symbols, ①), CJK punctuation, ㎡-style units, full-width forms."""
    if codepoint < 0x2E80 or 0x3000 <= codepoint <= 0x303F or 0x3200 <= codepoint <= 0x33FF:
        return True
    if 0xFE30 <= codepoint <= 0xFE4F or 0xFF00 <= codepoint <= 0xFFEF:
        return True
    try:
        chr(codepoint).encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class _Base:
    data: bytes
    glyph_names: frozenset[str]


_lock = threading.Lock()
_templates: dict[Path, TTFFont] = {}
_full_bytes: dict[Path, bytes] = {}
_bases: dict[Path, _Base] = {}
_cutters: dict[Path, subprocess.Popen[bytes]] = {}
_builds = 0  # how many templates this process parsed: tests check it stays one per font


def template(path: Path) -> TTFFont:
    """The font parsed once per process; never embedded itself, only copied by `attach`."""
    global _builds
    font = _templates.get(path)
    if font is not None:
        return font
    with _lock:  # the app renders in threads: only one of them parses
        font = _templates.get(path)
        if font is None:
            font = TTFFont(FPDF(), path, "template", "")
            font.ttfont.close()
            _full_bytes[path] = path.read_bytes()  # in memory: no file handle per document
            _templates[path] = font
            _builds += 1
            _start_base(path)
    return font


def template_builds() -> int:
    """How many times this process parsed a font file into a template."""
    return _builds


def attach(pdf: FPDF, family: str, path: Path) -> TTFFont:
    """Registers the font in `pdf` as `add_font(family, fname=path)` would, from the template."""
    shared = template(path)
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if name not in _PER_DOCUMENT and hasattr(shared, name):
            setattr(font, name, getattr(shared, name))
    font.fontkey = family
    font.i = len(pdf.fonts) + 1
    font.desc = copy.copy(shared.desc)  # output sets its object id and font file on it
    font._hbfont = None
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    # The subsetter cuts the TTFont in place: each document gets its own, read from memory.
    font.ttfont = ttLib.TTFont(BytesIO(_full_bytes[path]), lazy=True, recalcTimestamp=False)
    font.subset = SubsetMap(font)
    pdf.fonts[family] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")  # as add_font does for CID-keyed CFF
    return font


def prepare_output(font: TTFFont, path: Path) -> bool:
    """Points `font` at the small base font when it holds every glyph the document used; says
    whether it did. Glyph names (cidNNNNN) and outlines are the full font's, so the PDF is too."""
    base = _bases.get(path) or _collect(path)
    if base is None or not set(font.subset.get_all_glyph_names()) <= base.glyph_names:
        return False
    font.ttfont.close()
    # No bounding-box recalculation: the base's FontBBox already bounds every glyph it holds.
    font.ttfont = ttLib.TTFont(
        BytesIO(base.data), lazy=True, recalcTimestamp=False, recalcBBoxes=False
    )
    return True


def wait_for_base(path: Path) -> bool:
    """Waits for the base font (cutting it here if no other process did); says if it is there."""
    template(path)
    cutter = _cutters.get(path)
    if cutter is not None:
        cutter.wait()
    if _collect(path) is None:
        with _lock:
            _load_or_build(path)
    return path in _bases


def cache_file(path: Path) -> Path:
    """Where the base font cut from `path` is kept between processes (size and mtime in the name,
    so a new font version never meets an old cut)."""
    stat = path.stat()
    name = f"{path.stem}-{stat.st_size}-{stat.st_mtime_ns}-{RECIPE}.otf"
    return Path(tempfile.gettempdir()) / "minsheng-fonts" / name


def _start_base(path: Path) -> None:
    """Loads the cached base now, or has a child process cut it (~15 s, once per machine: in a
    thread it would hold the GIL and slow every request); until then, the full font is used."""
    if cache_file(path).is_file():
        _load_or_build(path)
        return
    command = [sys.executable, "-m", "minsheng.core.pdf_fonts", str(path)]
    try:
        _cutters[path] = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603
    except OSError:  # no interpreter to start: wait_for_base can still cut it in-process
        LOGGER.warning("cannot start %s; documents subset the full font", command)


def _collect(path: Path) -> _Base | None:
    """The base font, loaded once the child process has finished cutting it."""
    cutter = _cutters.get(path)
    if cutter is None or cutter.poll() is None:
        return _bases.get(path)
    with _lock:
        if _cutters.pop(path, None) is not None and cache_file(path).is_file():
            _load_or_build(path)
    return _bases.get(path)


def _load_or_build(path: Path) -> None:
    try:
        target = cache_file(path)
        data = target.read_bytes() if target.is_file() else _build(path, target)
        names = ttLib.TTFont(BytesIO(data), lazy=True).getGlyphOrder()
        _bases[path] = _Base(data, frozenset(names))
    except Exception:  # a broken cache or cut only costs speed: the full font still works
        LOGGER.exception("no base font cut from %s; documents subset the full font", path)


def _build(path: Path, target: Path) -> bytes:
    """Cuts the base font from the full one and stores it under `target` atomically."""
    font = ttLib.TTFont(str(path), lazy=True, recalcTimestamp=False)
    options = ftsubset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        name_IDs=["*"],
        name_languages=["*"],
        layout_features=[],
        # Without subroutines each document's subset skips the subroutine closure and pruning.
        desubroutinize=True,
    )
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=[cp for cp in font.getBestCmap() if is_common(cp)])
    subsetter.subset(font)
    for tag in list(font.keys()):
        if tag not in _KEPT_TABLES:
            del font[tag]
    buffer = BytesIO()
    font.save(buffer)
    data = buffer.getvalue()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
        partial.write_bytes(data)
        os.replace(partial, target)  # other processes see the whole file or none
    except OSError:
        LOGGER.warning("cannot cache the base font under %s; kept in memory", target.parent)
    return data


if __name__ == "__main__":  # the child process `_start_base` starts
    _build(Path(sys.argv[1]), cache_file(Path(sys.argv[1])))

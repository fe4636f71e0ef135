"""Reading PDFs back as a person would: poppler for the text, the fonts and the page as pixels,
zbar for the QR codes on it. Missing tools skip the test, except in CI, where they fail it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = {"pdftotext": "poppler-utils", "pdffonts": "poppler-utils", "pdfinfo": "poppler-utils"}
PACKAGES |= {"pdftoppm": "poppler-utils", "zbarimg": "zbar-tools"}
PACKAGES |= {"tesseract": "tesseract-ocr tesseract-ocr-chi-sim"}


def tool(name: str) -> str:
    """The path of a command-line tool, or a skip (a failure when MINSHENG_REQUIRE_BROWSER=1)."""
    path = shutil.which(name)
    if path:
        return path
    why = f"{name} is not installed: apt-get install {PACKAGES.get(name, name)}"
    if os.environ.get("MINSHENG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{why} (CI requires it: MINSHENG_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(why)


def run(name: str, *args: str | Path) -> str:
    result = subprocess.run(
        [tool(name), *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"{name} failed ({result.returncode}): {result.stderr}"
    return result.stdout


def save(data: bytes, folder: Path, name: str = "document.pdf") -> Path:
    assert data.startswith(b"%PDF-"), data[:20]
    path = folder / name
    path.write_bytes(data)
    return path


def text_of(pdf: Path) -> str:
    """The text a reader would copy out of the PDF, in reading order."""
    return run("pdftotext", "-enc", "UTF-8", pdf, "-")


def fonts_of(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table: one row per font, with its name, type and emb/sub/uni flags."""
    fonts = []
    for row in run("pdffonts", pdf).splitlines()[2:]:
        # name, type (may hold spaces), encoding, emb, sub, uni, object number, generation
        name, *kind, encoding, emb, sub, uni, _number, _generation = row.split()
        fonts.append({"name": name, "type": " ".join(kind), "encoding": encoding})
        fonts[-1] |= {"emb": emb, "sub": sub, "uni": uni}
    return fonts


def info_of(pdf: Path) -> dict[str, str]:
    lines = run("pdfinfo", pdf).splitlines()
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}


def pages_as_png(pdf: Path, dpi: int = 150) -> list[Path]:
    prefix = pdf.with_suffix("")
    run("pdftoppm", "-r", str(dpi), "-png", pdf, prefix)
    return sorted(pdf.parent.glob(f"{prefix.name}-*.png"))


def qr_codes_in(image: Path) -> list[str]:
    """Every QR code zbar finds in the image, as text."""
    result = subprocess.run(
        [tool("zbarimg"), "--raw", "-q", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # zbarimg exits 4 when it finds nothing: that is an answer, not a failure of the tool.
    assert result.returncode in (0, 4), f"zbarimg failed ({result.returncode}): {result.stderr}"
    return result.stdout.splitlines()


def ocr_text(image: Path, lang: str = "chi_sim") -> str:
    """What Tesseract reads on the image, spaces removed (it spaces out Chinese characters): the
    printed page as a person sees it, so a missing glyph or a wrong font cannot pass."""
    text = run("tesseract", image, "-", "-l", lang, "--psm", "6")
    return "".join(text.split())

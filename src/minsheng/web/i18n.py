"""Translations: Chinese is the source language of every string; English comes from Babel.

Catalogues are read from the .po files at start-up, so no compiled .mo file lives in the repository.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = {"zh_Hans": "中文", "en": "English"}
DEFAULT = "zh_Hans"
CATALOGUES = Path(__file__).parent / "i18n"


@functools.cache
def translations(locale: str) -> gettext.NullTranslations:
    """The translations for `locale`; Chinese needs none, since it is the source."""
    folder = CATALOGUES / locale / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if locale != DEFAULT else []
    if not files:
        return gettext.NullTranslations()
    # messages.po first, then one file per area (requests.po, ...), so areas edit apart.
    files.sort(key=lambda f: (f.name != "messages.po", f.name))
    merged = None
    for po in files:
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if message.id and message.string:
                merged[message.id] = message
    assert merged is not None
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def gettext_for(locale: str) -> Callable[..., str]:
    """The `_()` templates call. It returns plain text, never markup, so the template escapes
    both the message (which may carry a person's input, e.g. a unit name in an error) and the
    values put into it; Jinja's own gettext would mark the message itself safe."""
    catalogue = translations(locale)

    def gettext(message: object, **values: object) -> str:
        text = catalogue.gettext(str(message))
        return text % values if values else text

    return gettext


def pick(cookie_value: str | None, default: str = DEFAULT) -> str:
    """The visitor's chosen language, else the installation's default."""
    if cookie_value in LOCALES:
        return cookie_value
    return default if default in LOCALES else DEFAULT

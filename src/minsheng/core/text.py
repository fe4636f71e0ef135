"""Small helpers for the text people type and read: phone numbers, masking."""

from __future__ import annotations

import re
import unicodedata

MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()（）]")


def normalize_mobile(raw: str) -> str | None:
    """A mainland mobile number as 11 digits, or None when it is not one."""
    # NFKC turns full-width digits typed with a Chinese input method into ASCII ones.
    value = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value if MOBILE.match(value) else None


def mask_phone(value: str | None) -> str:
    """138****5678: enough to recognise one's own number, not to call it."""
    if not value:
        return ""
    if len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return "*" * len(value)


def mask_name(value: str | None) -> str:
    """王** : the family name only."""
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)

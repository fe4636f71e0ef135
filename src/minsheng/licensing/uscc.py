"""Unified social credit codes (统一社会信用代码) for individual businesses, per GB 32100-2015.

A code is 18 characters: the registering authority (9, market regulation), the entity type
(2, individual business), the six-digit division code (320583, Kunshan), a nine-character body
that is itself an organisation code with its GB 11714 check character, and a MOD 31 check
character over the seventeen before it. python-stdnum's `cn.uscc` validates the whole code; the
body's own check is ours, because stdnum does not check it.
"""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc

# GB 32100: digits and capitals without I, O, Z, S, V (they read like 1, 0, 2, 5, U).
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS_32100 = [pow(3, i, 31) for i in range(17)]
# GB 11714: the eight body characters of an organisation code and their weights.
_WEIGHTS_11714 = (3, 7, 9, 10, 5, 8, 4, 2)
INDIVIDUAL_PREFIX = "92"  # 9 market regulation, 2 individual business
KUNSHAN = "320583"
# Our bodies start with this, then a serial in CHARSET; the rest of the alphabet stays free for
# codes issued by other systems of the same authority.
BODY_PREFIX = "MA"
SERIAL_LENGTH = 6


def _value_11714(char: str) -> int:
    # GB 11714 counts letters from A = 10 to Z = 35, digits as themselves.
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def check_11714(body8: str) -> str:
    """The check character of an organisation code's eight body characters (0-9 or X)."""
    total = sum(_value_11714(c) * w for c, w in zip(body8, _WEIGHTS_11714, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def check_32100(first17: str) -> str:
    """The MOD 31 check character over the first seventeen characters of a code."""
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, _WEIGHTS_32100, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def serial_chars(serial: int) -> str:
    """A serial number written in CHARSET, SERIAL_LENGTH characters long."""
    if not 0 <= serial < len(CHARSET) ** SERIAL_LENGTH:
        raise ValueError("serial out of range")
    chars = []
    for _ in range(SERIAL_LENGTH):
        serial, digit = divmod(serial, len(CHARSET))
        chars.append(CHARSET[digit])
    return "".join(reversed(chars))


def make(serial: int, *, division: str = KUNSHAN) -> str:
    """The code of the `serial`-th individual business registered in `division`."""
    body8 = BODY_PREFIX + serial_chars(serial)
    first17 = INDIVIDUAL_PREFIX + division + body8 + check_11714(body8)
    return first17 + check_32100(first17)


def is_valid(code: str) -> bool:
    """True when both check characters hold (ours for the body, stdnum's for the whole)."""
    if len(code) != 18 or any(c not in CHARSET for c in code):
        return False
    return stdnum_uscc.is_valid(code) and check_11714(code[8:16]) == code[16]

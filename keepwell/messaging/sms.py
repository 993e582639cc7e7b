"""What a text message costs: its encoding, length and parts, as the networks count them.

Pure: imports no Django. A text made only of GSM 03.38 characters goes as GSM-7, where a
character from the extension table (``€ [ ] { } ^ ~ | \\`` and form feed) takes two of the
160 places. Any other character (``ã``, ``ç``, Urdu, Bengali, Arabic, an emoji) sends the
whole text as UCS-2: 70 characters a part. Longer texts are split into parts that each
lose room to the header that joins them again: 153 and 67.
"""

from __future__ import annotations

import math

# GSM 03.38 basic character set (the escape to the extension table left out).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Its extension table: each is sent as an escape and the character, so counts two.
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"

_SINGLE = {GSM7: 160, UCS2: 70}
_MULTI = {GSM7: 153, UCS2: 67}


def is_gsm(char: str) -> bool:
    return char in GSM_BASIC or char in GSM_EXTENSION


def encoding(text: str) -> str:
    """``"GSM-7"`` when every character is in the GSM tables, else ``"UCS-2"``."""
    return GSM7 if all(is_gsm(char) for char in text) else UCS2


def characters(text: str) -> int:
    """How many of a part's places the text takes in its encoding.

    GSM-7: extension characters count two. UCS-2: UTF-16 code units, so a character
    beyond the basic plane (most emoji) counts two.
    """
    if encoding(text) == GSM7:
        return sum(2 if char in GSM_EXTENSION else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def parts(text: str) -> int:
    """How many messages the networks send (and charge) for ``text``. Empty text: none."""
    code = encoding(text)
    count = characters(text)
    if count == 0:
        return 0
    if count <= _SINGLE[code]:
        return 1
    return math.ceil(count / _MULTI[code])


def cost_pence(text: str, part_pence: int) -> int:
    """The estimated cost of sending ``text`` once, at ``part_pence`` a part."""
    return parts(text) * part_pence

"""What a list page reads from its query string, read one way everywhere: the page number
and the words searched for.

A page number is whatever a visitor (or a crawler) puts in the address: ``abc``, ``-5``,
``1e3`` or ``461168601842738792``. None of them is an error worth a page of its own, so
each becomes a page that exists (Django's ``Paginator.get_page`` does the same for lists
it pages). Words to search for are different: a NUL character cannot be stored or
searched for (SQLite reads ``LIKE '%\\x00%'`` as "anything"), so a search with one is bad
input, answered with 400 and the field named, never with every record.
"""

from __future__ import annotations

# Far past the last page of any list keepwell shows; keeps the arithmetic of an offset
# within what a database integer holds before the list clamps it to its last page.
MAX_PAGE = 1_000_000

# Characters a search cannot hold: NUL, and the other C0 controls no one types (tab, line
# feed and carriage return are whitespace, and fine).
_CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"}


def page_number(raw: str | None) -> int:
    """The page a query string's ``page`` asks for, from 1 to MAX_PAGE; anything that is
    not a whole number is page 1. The list clamps it to its last page."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):  # "-5", "abc", "1e3", "٣"
        return 1
    if len(text) > len(str(MAX_PAGE)):  # never int() on thousands of digits
        return MAX_PAGE
    return min(max(1, int(text)), MAX_PAGE)


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def search_text_problem(text: str, field: str = "The search") -> str:
    """Why ``text`` cannot be searched for (naming ``field``), or "" if it can."""
    if any(ch in _CONTROL for ch in text):
        return f"{field} has a character that cannot be searched for: remove it and try again"
    return ""

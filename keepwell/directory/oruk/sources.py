"""Where ORUK records come from: another directory's feed, or a file."""

from __future__ import annotations

import json
from pathlib import Path


class SourceError(Exception):
    """The source cannot be read at all (as opposed to one bad record in it)."""


class FeedClient:
    """Reads JSON from another directory's ORUK feed over HTTP(S). Tests pass a fake with
    the same ``get_json`` (one that asks keepwell's own feed through the test client)."""

    timeout = 30

    def get_json(self, url: str):
        import urllib.error
        import urllib.request

        if not url.startswith(("https://", "http://")):
            raise SourceError(f"{url} is not an http(s) address")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url, headers={"Accept": "application/json", "User-Agent": "keepwell import-oruk"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise SourceError(f"{url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SourceError(f"{url} could not be read: {exc}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError(f"{url} did not send UTF-8 JSON") from None
        return parse_document(text, url)


def _contents(document) -> list:
    """The records of a paged list, a plain list, or one record."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        return document["contents"]
    if isinstance(document, dict):
        return [document]
    raise SourceError("the file is neither a list of services nor one service")


def _is_full(record) -> bool:
    """A list item that already carries the nested records of /services/{id}."""
    if not isinstance(record, dict):
        return True  # let the importer report it
    org = record.get("organization")
    return isinstance(org, dict) and "attributes" in org


def feed_records(url: str, *, client=None, per_page: int = 100):
    """Every service of a paged ORUK feed, fully nested: walks /services page by page and
    asks /services/{id} for each item that is only a summary. ``url`` is the feed's root
    (".../oruk") or its /services address."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    client = client or FeedClient()
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    base = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    page = 1
    while True:
        document = client.get_json(f"{base}?{urlencode({'page': page, 'per_page': per_page})}")
        if not isinstance(document, dict) or not isinstance(document.get("contents"), list):
            raise SourceError(f"{base} page {page} is not an ORUK paged list")
        for item in document["contents"]:
            if _is_full(item) or not item.get("id"):
                yield item
                continue
            try:
                yield client.get_json(f"{base}/{item['id']}")
            except SourceError as exc:
                yield {"id": item["id"], "_error": str(exc)}
        if document.get("last_page", True) or not document["contents"]:
            return
        page += 1


# An ORUK service nests about eight deep (service, its venues, a venue's address, ...).
# A document nested far deeper is not a directory, and would exhaust the recursion of
# whatever walks it next (the schema check, the importer).
MAX_DEPTH = 64


def _depth(document) -> int:
    """How deep ``document`` nests, walked without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def parse_document(text: str, where: str):
    """The JSON document in ``text``; SourceError says, about ``where``, why it is not one."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise SourceError(
            f"{where} is not a directory: its JSON nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:
        raise SourceError(f"{where} is not JSON: {exc}") from None
    if _depth(document) > MAX_DEPTH:
        raise SourceError(
            f"{where} is not a directory: its JSON nests deeper than {MAX_DEPTH} levels"
        )
    return document


def file_records(path: str | Path) -> list:
    """Every record of an ORUK JSON file, read and checked in full before any is imported:
    a file that cannot be read is refused whole, with the reason."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"{path} could not be read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{path} is not UTF-8 text (byte {exc.start + 1} is {raw[exc.start]:#04x}): "
            "save it as UTF-8 JSON"
        ) from None
    return _contents(parse_document(text, str(path)))

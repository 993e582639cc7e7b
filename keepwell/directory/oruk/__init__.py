"""Open Referral UK (HSDS 3.0, UK profile): our listings as its JSON, and its JSON as ours.

Every id is a UUID. Records keepwell has no UUID of their own for (an address, a language
of a service, an attribute) get one derived from their owner's, so the same listing always
has the same ids. Optional fields are left out rather than sent as null or "".
Confidential venues are never written: not their address, not their position.

One module each for writing, the schemas, reading and the sources records come from;
callers import from here.
"""

from __future__ import annotations

from keepwell.directory.oruk.common import (
    HSDS_VERSION,
    KIND_TAXONOMY,
    NAMESPACE,
    OPENAPI_URL,
    PROFILE_URL,
    STATUS,
    derived,
    now_iso,
)
from keepwell.directory.oruk.reading import (
    ImportReport,
    RecordError,
    import_records,
    import_service,
)
from keepwell.directory.oruk.schema import (
    SCHEMA_DIR,
    load_schema,
    schema_errors,
    service_validator,
    validator,
)
from keepwell.directory.oruk.sources import (
    MAX_DEPTH,
    FeedClient,
    SourceError,
    feed_records,
    file_records,
    parse_document,
)
from keepwell.directory.oruk.writing import (
    export_document,
    full_services,
    kind_taxonomy_id,
    kind_term,
    location_dict,
    organization_dict,
    sal_summary,
    schedule_dict,
    service_full,
    service_summary,
    taxonomy_dict,
    term_dict,
)

__all__ = [
    "HSDS_VERSION",
    "KIND_TAXONOMY",
    "MAX_DEPTH",
    "NAMESPACE",
    "OPENAPI_URL",
    "PROFILE_URL",
    "SCHEMA_DIR",
    "STATUS",
    "FeedClient",
    "ImportReport",
    "RecordError",
    "SourceError",
    "derived",
    "export_document",
    "feed_records",
    "file_records",
    "full_services",
    "import_records",
    "import_service",
    "kind_taxonomy_id",
    "kind_term",
    "load_schema",
    "location_dict",
    "now_iso",
    "organization_dict",
    "parse_document",
    "sal_summary",
    "schedule_dict",
    "schema_errors",
    "service_full",
    "service_summary",
    "service_validator",
    "taxonomy_dict",
    "term_dict",
    "validator",
]

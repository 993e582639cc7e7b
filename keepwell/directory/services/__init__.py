"""Directory use cases. Every write goes through here, in one transaction, and leaves a
:class:`ListingChange` row saying who changed what.

Directory data is about organisations, not people, so these writes need no audit rows;
the one exception is an *individual's* listing, where the organisation is a person: reads
of it are ordinary public listings they chose to publish, and changes are in the history.

The use cases live in one module per part of the directory; callers import them from here.
"""

from __future__ import annotations

from keepwell.directory.doors import held_open, set_door
from keepwell.directory.services.history import (
    ORGANISATION_FIELDS,
    SERVICE_FIELDS,
    created,
    organisation_snapshot,
    record_change,
    service_snapshot,
)
from keepwell.directory.services.listings import (
    Venue,
    attach,
    build_search_text,
    create_service,
    place_venue,
    refresh_search_text,
    review_queue,
    set_slots,
    sync_venues,
    update_service,
    verify_service,
    words_of,
    words_of_all,
)
from keepwell.directory.services.mapping import (
    AreaRow,
    Mapping,
    mapping,
    organisations_in,
    service_counts,
)
from keepwell.directory.services.organisations import (
    NetworkNode,
    _unique_slug,
    complete_follow_up,
    create_organisation,
    follow_ups_due,
    link_organisations,
    log_interaction,
    network_of,
    networks,
    set_relationship,
    update_organisation,
)
from keepwell.directory.services.search import (
    RADIUS_CHOICES_KM,
    Result,
    SearchPage,
    SearchQuery,
    _nearby,
    _service_exists,
    _service_q,
    search,
    terms_with_children,
)
from keepwell.directory.services.suggestions import (
    SuggestionAlreadyDecided,
    decide_suggestion,
    suggest_change,
    suggestions_for_reviewer,
)

__all__ = [
    "ORGANISATION_FIELDS",
    "RADIUS_CHOICES_KM",
    "SERVICE_FIELDS",
    "AreaRow",
    "Mapping",
    "NetworkNode",
    "Result",
    "SearchPage",
    "SearchQuery",
    "SuggestionAlreadyDecided",
    "Venue",
    "_nearby",
    "_service_exists",
    "_service_q",
    "_unique_slug",
    "attach",
    "build_search_text",
    "complete_follow_up",
    "create_organisation",
    "create_service",
    "created",
    "decide_suggestion",
    "follow_ups_due",
    "held_open",
    "link_organisations",
    "log_interaction",
    "mapping",
    "service_counts",
    "network_of",
    "networks",
    "organisation_snapshot",
    "organisations_in",
    "place_venue",
    "record_change",
    "refresh_search_text",
    "review_queue",
    "search",
    "service_snapshot",
    "set_door",
    "set_relationship",
    "set_slots",
    "suggest_change",
    "suggestions_for_reviewer",
    "sync_venues",
    "terms_with_children",
    "update_organisation",
    "update_service",
    "verify_service",
    "words_of",
    "words_of_all",
]

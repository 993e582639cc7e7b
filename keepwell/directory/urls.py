"""The directory's pages under /directory/ and the Open Referral UK feed under /oruk/.

Mounted at the site root (``url_prefix = ""``) so that the feed lives at the path the
standard expects; every URL name stays in the ``directory`` namespace.
"""

from django.urls import path, re_path

from keepwell.directory import feed, views

app_name = "directory"
url_prefix = ""


def organisation_page(route: str, view, name: str):
    """A page about one organisation, under its slug."""
    return path(f"directory/organisations/<slug:slug>/{route}", view, name=name)


def service_page(route: str, view, name: str):
    """A page about one service, under its UUID."""
    return path(f"directory/services/<uuid:service_id>/{route}", view, name=name)


urlpatterns = [
    # The public directory.
    path("directory/", views.search, name="search"),
    path("directory/services/<uuid:service_id>/", views.service_detail, name="service"),
    path("directory/organisations/", views.organisation_list, name="organisations"),
    path("directory/organisations/new/", views.organisation_create, name="organisation_create"),
    path("directory/organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("directory/kinds/", views.kind_list, name="kinds"),
    path("directory/kinds/<slug:kind>/", views.kind_detail, name="kind"),
    path("directory/network/", views.network, name="network"),
    # Keeping listings right.
    organisation_page("edit/", views.organisation_edit, "organisation_edit"),
    organisation_page("suggest/", views.organisation_suggest, "organisation_suggest"),
    organisation_page("history/", views.history, "history"),
    organisation_page("links/new/", views.link_add, "link_add"),
    organisation_page("services/new/", views.service_create, "service_create"),
    organisation_page("services/import/", views.csv_import, "csv_import"),
    organisation_page("services.csv", views.organisation_csv, "organisation_csv"),
    service_page("edit/", views.service_edit, "service_edit"),
    service_page("suggest/", views.service_suggest, "service_suggest"),
    service_page("verify/", views.service_verify, "service_verify"),
    path("directory/review/", views.review_queue, name="review_queue"),
    path("directory/suggestions/", views.suggestion_list, name="suggestions"),
    path(
        "directory/suggestions/<int:suggestion_id>/",
        views.suggestion_detail,
        name="suggestion",
    ),
    # The mapping exercise and the relationship log.
    path("directory/mapping/", views.mapping, name="mapping"),
    path("directory/mapping.csv", views.mapping_csv, name="mapping_csv"),
    organisation_page("relationship/", views.relationship_edit, "relationship"),
    organisation_page("contacts/new/", views.interaction_add, "interaction_add"),
    path("directory/follow-ups/", views.follow_ups, name="follow_ups"),
    path(
        "directory/follow-ups/<int:interaction_id>/done/",
        views.follow_up_done,
        name="follow_up_done",
    ),
    # Import and export.
    path("directory/services-template.csv", views.csv_template, name="csv_template"),
    path("directory/export/services.csv", views.export_csv, name="export_csv"),
    path("directory/export/oruk.json", views.export_oruk, name="export_oruk"),
    # Open Referral UK 3.0 (paths without a trailing slash, as the standard writes them).
    re_path(r"^oruk/?$", feed.root, name="oruk_root"),
    re_path(r"^oruk/services/?$", feed.services, name="oruk_services"),
    re_path(r"^oruk/services/(?P<service_id>[^/]+)/?$", feed.service, name="oruk_service"),
    re_path(
        r"^oruk/service_at_locations/?$",
        feed.service_at_locations,
        name="oruk_service_at_locations",
    ),
    re_path(
        r"^oruk/service_at_locations/(?P<sal_id>[^/]+)/?$",
        feed.service_at_location,
        name="oruk_service_at_location",
    ),
    re_path(r"^oruk/taxonomies/?$", feed.taxonomies, name="oruk_taxonomies"),
    re_path(r"^oruk/taxonomies/(?P<taxonomy_id>[^/]+)/?$", feed.taxonomy, name="oruk_taxonomy"),
    re_path(r"^oruk/taxonomy_terms/?$", feed.taxonomy_terms, name="oruk_taxonomy_terms"),
    re_path(
        r"^oruk/taxonomy_terms/(?P<term_id>[^/]+)/?$",
        feed.taxonomy_term,
        name="oruk_taxonomy_term",
    ),
]

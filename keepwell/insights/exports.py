"""Open exports of a place's insights: CSV (one figure a line) and JSON with a JSON Schema.

Both carry exactly the page's figures, already suppressed: ``"*"`` where a count is hidden,
counts rounded to the nearest 5, rates per 1,000 worked out from published totals. The
schema (:data:`SCHEMA`) is served at ``/insights/public/schema.json`` so a community group
can check a file before pasting it into a funding bid.
"""

from __future__ import annotations

import io
from typing import Any

from keepwell.core import csvio
from keepwell.insights.figures import BY, SECTIONS, Report

FIGURE = {
    "description": 'A count rounded to the nearest 5, 0, or "*" (1 to 7, or hidden so '
    "that another hidden figure cannot be worked out).",
    "oneOf": [{"type": "integer", "minimum": 0, "multipleOf": 5}, {"const": "*"}],
}
RATE = {
    "description": 'Per 1,000 residents, from the published total; "*" when the total is '
    "hidden; null when the population is not known.",
    "oneOf": [{"type": "number", "minimum": 0}, {"const": "*"}, {"type": "null"}],
}
MEAN = {
    "description": 'A mean improvement in points to one decimal place; "*" when fewer than '
    "the minimum cohort answered (or when it would give such a group's mean back); null "
    "when nobody answered.",
    "oneOf": [{"type": "number"}, {"const": "*"}, {"type": "null"}],
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://keepwell.example/insights/public/schema.json",
    "title": "keepwell insights for a place",
    "description": "Need, supply, unmet need, reach, reciprocity and outcomes in one place, "
    "by neighbourhood or IMD decile, with small numbers suppressed (NHS rule: 1 to 7 hidden, "
    "others rounded to 5; means only over the minimum cohort).",
    "type": "object",
    "required": ["place", "period", "by", "refreshed_at", "imd_editions", "measures", "outcomes"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string"},
        "place": {"type": "string"},
        "period": {
            "type": "object",
            "required": ["from", "to"],
            "properties": {
                "from": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                "to": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            },
            "additionalProperties": False,
        },
        "by": {"enum": sorted(BY)},
        "refreshed_at": {
            "description": "When the figures were last counted (ISO 8601), or null if never.",
            "type": ["string", "null"],
        },
        "imd_editions": {
            "description": "The English Indices of Deprivation editions the deciles come from.",
            "type": "array",
            "items": {"enum": [2019, 2025]},
        },
        "measures": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "section",
                    "measure",
                    "title",
                    "as_of_now",
                    "rows",
                    "total",
                    "by_month",
                ],
                "additionalProperties": False,
                "properties": {
                    "section": {"enum": [slug for slug, _, _ in SECTIONS]},
                    "as_of_now": {
                        "description": "Counted as things are now, whatever the period "
                        "(services); by_month is then empty.",
                        "type": "boolean",
                    },
                    "measure": {"type": "string"},
                    "title": {"type": "string"},
                    "total": FIGURE,
                    "rows": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["row", "total", "per_1000", "residents", "by_key"],
                            "additionalProperties": False,
                            "properties": {
                                "row": {"type": "string"},
                                "total": FIGURE,
                                "per_1000": RATE,
                                "residents": {"type": ["integer", "null"]},
                                "by_key": {"type": "object", "additionalProperties": FIGURE},
                            },
                        },
                    },
                    "by_month": {"type": "object", "additionalProperties": FIGURE},
                },
            },
        },
        "outcomes": {
            "description": "Mean improvement between the start and the follow-up, by row and "
            "question (for anxiety and loneliness, how far the score fell).",
            "type": "object",
            "required": ["weeks", "min_cohort", "questions"],
            "additionalProperties": False,
            "properties": {
                "weeks": {"type": "integer", "minimum": 1},
                "min_cohort": {"type": "integer", "minimum": 1},
                "questions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "title", "everyone", "rows"],
                        "additionalProperties": False,
                        "properties": {
                            "key": {"type": "string"},
                            "title": {"type": "string"},
                            "everyone": MEAN,
                            "rows": {"type": "object", "additionalProperties": MEAN},
                        },
                    },
                },
            },
        },
    },
}


def as_json(report: Report, *, schema: str = SCHEMA["$id"]) -> dict[str, Any]:
    measures = []
    for section, _, breakdowns in report.sections:
        for b in breakdowns:
            measures.append(
                {
                    "section": section,
                    "measure": b.measure,
                    "title": b.title,
                    "as_of_now": b.snapshot,
                    "total": b.total,
                    "rows": [
                        {
                            "row": row,
                            "total": b.row_totals[row],
                            "per_1000": b.rates[row] if b.rates[row] != "" else None,
                            "residents": b.residents[row],
                            "by_key": {
                                b.col_labels[col]: b.table.cells[(row, col)] for col in b.cols
                            },
                        }
                        for row in b.rows
                    ],
                    "by_month": {f"{m:%Y-%m}": b.trend.col_totals[m.isoformat()] for m in b.months},
                }
            )
    return {
        "$schema": schema,
        "place": report.place.name,
        "period": {"from": f"{report.period.first:%Y-%m}", "to": f"{report.period.last:%Y-%m}"},
        "by": report.by,
        "refreshed_at": report.refreshed.finished_at.isoformat() if report.refreshed else None,
        "imd_editions": report.editions,
        "measures": measures,
        "outcomes": _outcomes_json(report),
    }


def _outcomes_json(report: Report) -> dict[str, Any]:
    o = report.outcomes
    if o is None:
        return {"weeks": 1, "min_cohort": 1, "questions": []}
    return {
        "weeks": o.weeks,
        "min_cohort": o.min_cohort,
        "questions": [
            {
                "key": col,
                "title": o.col_labels[col],
                "everyone": o.means.col_means[col],
                "rows": {row: o.means.cells[(row, col)] for row in o.rows},
            }
            for col in o.cols
        ],
    }


CSV_HEADER = ["place", "from", "to", "section", "measure", "by", "row", "key", "figure"]


def as_csv(report: Report) -> str:
    """One published figure a line; ``key`` is "total", "per 1,000", a kind or a month, or
    for outcomes "mean change at N weeks"."""
    out = io.StringIO()
    writer = csvio.Writer(out)
    writer.writerow(CSV_HEADER)
    first, last = f"{report.period.first:%Y-%m}", f"{report.period.last:%Y-%m}"
    for section, _, breakdowns in report.sections:
        for b in breakdowns:
            start = [report.place.name, first, last, section, b.title, report.by]
            writer.writerow([*start, "all", "total", b.total])
            for row in b.rows:
                writer.writerow([*start, row, "total", b.row_totals[row]])
                writer.writerow([*start, row, "per 1,000", b.rates[row]])
                for col in b.cols:
                    writer.writerow([*start, row, b.col_labels[col], b.table.cells[(row, col)]])
            for m in b.months:
                writer.writerow([*start, "all", f"{m:%Y-%m}", b.trend.col_totals[m.isoformat()]])
    o = report.outcomes
    if o is not None:
        for col in o.cols:
            start = [report.place.name, first, last, "outcomes", o.col_labels[col], report.by]
            label = f"mean change at {o.weeks} weeks"
            writer.writerow([*start, "all", label, _mean(o.means.col_means[col])])
            for row in o.rows:
                writer.writerow([*start, row, label, _mean(o.means.cells[(row, col)])])
    return out.getvalue()


def _mean(value: float | str | None) -> float | str:
    return "no answers" if value is None else value

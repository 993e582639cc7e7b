"""Validation against the vendored ORUK schemas: used by the importer, and by the tests on
every response of the feed."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from referencing.jsonschema import DRAFT202012 as DRAFT

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "oruk"


def load_schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text())


def validator(name: str):
    """A validator for one vendored schema; references between the files resolve locally."""
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (
            path.name,
            Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT),
        )
        for path in SCHEMA_DIR.glob("*.json")
    )
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER)


_validator = None


def service_validator():
    global _validator
    if _validator is None:
        _validator = validator("service.json")
    return _validator


def schema_errors(record: dict) -> list[str]:
    errors = sorted(service_validator().iter_errors(record), key=lambda e: list(e.path))
    return [f"{'/'.join(str(p) for p in e.path) or 'record'}: {e.message}" for e in errors[:5]]

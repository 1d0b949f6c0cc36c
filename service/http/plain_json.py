"""Answers already in their documented JSON shape, sent without a second pass through the
response schema: on the busiest list (the inbox) marshmallow's dump of 60 rows cost more than
the query that found them. Only for views whose dicts hold exactly the schema's fields; dates
and times are written as the schemas write them (ISO 8601). tests/test_fast_paths.py checks
that both give the same document."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from .. import jsontext


def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(payload) -> str:
    return jsontext.dumps(payload, default=_iso)


def json_response(payload, status: int = 200):
    return current_app.response_class(dumps(payload), status=status, mimetype="application/json")

"""JSON text of the hot paths — a case's saved state, the rows an action writes, its answer, the
JSON columns — written and read by orjson: a review completion spent about 7 % of its CPU in
the json module (a saved state took 114 µs to write and 110 µs to read; orjson 16 µs and 36 µs,
and the check for long numbers below 14 µs).

What orjson refuses, the json module does as before: integers beyond 64 bits, keys that are
not strings, a `default` that raises (json raises it again); on reading, NaN and Infinity, and
any text with a run of 19 digits (orjson reads an integer beyond 64 bits as a float, silently).
Dates, times and dataclasses still go through `default`, as with json (orjson would write them
its own way). What differs: the text (no spaces after separators, non-ASCII as UTF-8 rather than
\\u escapes), and a NaN or infinite float is written as null — JSON has no such values (json
wrote NaN, which PostgreSQL's JSON types refuse)."""
from __future__ import annotations

import json

import orjson

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# Every byte but the digits mapped to "x", the digits to "0": a run of 19 zeros is a number
# that may be beyond what orjson reads as an integer (-2**63 has 19 digits). In C: 14 µs on a
# 9 KB saved state here, where a regular expression took 130.
_DIGIT_RUNS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x78 for byte in range(256))
_LONG_NUMBER = b"0" * 19


def dumps(value, default=None) -> str:
    try:
        return orjson.dumps(value, default=default, option=_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(value, default=default, ensure_ascii=False)


def loads(text):
    if isinstance(text, str):
        raw = text.encode()
    elif isinstance(text, (bytes, bytearray)):
        raw = text
    else:  # json's TypeError (SQLAlchemy takes it as "a number SQLite read as one")
        return json.loads(text)
    if raw.translate(_DIGIT_RUNS).find(_LONG_NUMBER) >= 0:
        return json.loads(text)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # NaN, Infinity; or not JSON (json raises it again)
        return json.loads(text)

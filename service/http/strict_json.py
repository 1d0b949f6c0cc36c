"""Request bodies are read as standard JSON only. Python's json module also reads NaN,
Infinity and numbers beyond a double (1e999 → inf); stored in a draft or a case, such a value
made later answers that are not JSON at all, so a body holding one is refused as malformed."""
from __future__ import annotations

import math

from flask.json.provider import DefaultJSONProvider


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


class StrictJSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        kwargs.setdefault("parse_float", _finite_float)
        return super().loads(s, **kwargs)

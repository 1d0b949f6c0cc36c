"""`<int:…>` in every route, the features' included: only ids a table can hold match, so an id
out of range (0, negative, ≥ 2^31, not a number) is 404 by routing, on every endpoint and
both databases — never a database overflow error."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

from ..core.ids import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def install(app) -> None:
    """Replace the `int` converter; call before any blueprint adds its routes."""
    app.url_map.converters["int"] = IdConverter

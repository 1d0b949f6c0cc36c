"""How the OpenAPI document describes query parameters that views read themselves (their
values are clamped rather than refused, so they are not webargs arguments)."""
from __future__ import annotations

from ..core.ids import MAX_OFFSET


def query_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def paging_params(default: int, maximum: int) -> list[dict]:
    return [query_param("limit", f"每页条数 / rows per page: 1–{maximum} (clamped), "
                                 f"default {default}", {"type": "integer"}),
            query_param("offset", f"跳过条数 / rows skipped: clamped to 0–{MAX_OFFSET}",
                        {"type": "integer"})]

"""Turn a task's JSON Schema into HTML fields and an HTML form post back into task data.

The schema stays the only description of a form: labels are its `title`s, options its
`x-enum-labels`, the order its `x-order`. Values that cannot be converted (e.g. "abc" for an
integer) are passed on unchanged so the shared validator reports them next to the field."""
from __future__ import annotations

from flask_babel import gettext

from ..core.forms import enum_label

TEXTAREA_MIN_LENGTH = 500  # longer strings get a textarea
RADIO_MAX_OPTIONS = 3
BLANK_ROWS = 2  # empty rows shown for a repeatable group that has none yet


def _ordered(schema: dict) -> list[str]:
    props = schema.get("properties") or {}
    order = [k for k in schema.get("x-order") or [] if k in props]
    return order + [k for k in props if k not in order]


def conditions(schema: dict) -> tuple[dict, dict]:
    """Fields that belong to a choice (e.g. the reward type): from `allOf` entries
    `if {key: const V} then {required: [...]}` (required when key = V) and a property's own
    `x-show-when: {key: [V, ...]}`. Returns (show_when, required_when), each
    field → {key: [values]}; fields in neither are always shown."""
    show: dict[str, dict[str, list]] = {}
    needed: dict[str, dict[str, list]] = {}
    for rule in schema.get("allOf") or []:
        props = ((rule.get("if") or {}).get("properties") or {})
        then = rule.get("then") or {}
        if len(props) != 1 or "else" in rule:
            continue
        (key, cond), = props.items()
        if not isinstance(cond, dict) or "const" not in cond:
            continue
        for name in then.get("required") or []:
            for target in (show, needed):
                target.setdefault(name, {}).setdefault(key, []).append(cond["const"])
    for name, prop in (schema.get("properties") or {}).items():
        explicit = prop.get("x-show-when")
        if isinstance(explicit, dict):
            for key, values in explicit.items():
                bucket = show.setdefault(name, {}).setdefault(key, [])
                bucket.extend(v for v in values if v not in bucket)
    return show, needed


def describe(schema: dict, prefix: str = "") -> list[dict]:
    """Field descriptors in display order: name, title, kind, options, required, items, and
    `show_when` / `required_when` for fields that belong to a choice (see `conditions`)."""
    required = set(schema.get("required") or [])
    show_when, required_when = conditions(schema) if not prefix else ({}, {})
    fields = []
    for name in _ordered(schema):
        prop = schema["properties"][name]
        field = {"name": prefix + name, "key": name, "title": prop.get("title", name),
                 "description": prop.get("description", ""), "required": name in required,
                 "options": [], "items": None, "show_when": show_when.get(name),
                 "required_when": required_when.get(name)}
        kind = prop.get("type")
        if "enum" in prop:
            labels = prop.get("x-enum-labels") or {}
            field["options"] = [(v, labels.get(v, v)) for v in prop["enum"]]
            field["kind"] = "radio" if len(prop["enum"]) <= RADIO_MAX_OPTIONS else "select"
        elif kind == "string" and prop.get("format") == "date":
            field["kind"] = "date"
        elif kind == "string":
            field["kind"] = "textarea" if prop.get("maxLength", 0) >= TEXTAREA_MIN_LENGTH else "text"
            field["max_length"] = prop.get("maxLength")
        elif kind in ("integer", "number"):
            field["kind"] = kind
            field["min"], field["max"] = prop.get("minimum"), prop.get("maximum")
        elif kind == "boolean":
            field["kind"] = "boolean"
        elif kind == "array" and (prop.get("items") or {}).get("type") == "object":
            field["kind"] = "rows"
            field["items"] = describe(prop["items"])
            field["max_items"] = prop.get("maxItems", 20)
        else:
            field["kind"] = "text"
        fields.append(field)
    return fields


def with_choices(fields: list[dict], choices: dict[str, list]) -> list[dict]:
    """The fields, those with choices from the database (REGISTRY.form_choices) as selects;
    a posted choice is still converted to the field's own type (e.g. a training's id)."""
    for field in fields:
        if field["key"] in choices and field["kind"] != "rows":
            field["value_kind"] = field.get("value_kind", field["kind"])
            field["kind"], field["options"] = "select", list(choices[field["key"]])
    return fields


def _convert(field: dict, raw: str):
    raw = raw.strip()
    if raw == "":
        return None
    kind = field.get("value_kind", field["kind"])
    try:
        if kind == "integer":
            return int(raw)
        if kind == "number":
            number = float(raw)
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def parse(fields: list[dict], form) -> dict:
    """The task data from a posted form (field `a` → form key `a`; rows → `a-0-year`)."""
    data = {}
    for field in fields:
        if field["kind"] == "rows":
            rows = []
            for i in range(field["max_items"] + 10):
                row = {sub["key"]: _convert(sub, form.get(f"{field['key']}-{i}-{sub['key']}", ""))
                       for sub in field["items"]}
                if any(v is not None for v in row.values()):
                    rows.append({k: v for k, v in row.items() if v is not None})
            data[field["key"]] = rows
        else:
            data[field["key"]] = _convert(field, form.get(field["key"], ""))
    return data


def rows_for_display(field: dict, value) -> list[dict]:
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    return rows + [{} for _ in range(max(BLANK_ROWS - len(rows), 0))]


def display_value(schema: dict, field: dict, value) -> str:
    """A submitted value as the paper form would show it."""
    if value is None or value == "":
        return ""
    if field["kind"] == "boolean" or isinstance(value, bool):
        if value is True:
            return gettext("是")
        return gettext("否") if value is False else str(value)
    if "value_kind" in field:  # a choice from the database: its label, if still offered
        return str(dict(field["options"]).get(value, value))
    if field["options"]:
        return enum_label(schema, field["key"], value)
    return str(value)


def summary(schema: dict, data: dict, choices: dict | None = None) -> list[dict]:
    """(title, text or rows) for every form field present in the case data."""
    out = []
    for field in with_choices(describe(schema), choices or {}):
        value = data.get(field["key"])
        if field["kind"] == "rows":
            rows = [[display_value(schema["properties"][field["key"]]["items"], sub, r.get(sub["key"]))
                     for sub in field["items"]] for r in (value or []) if isinstance(r, dict)]
            out.append({"title": field["title"], "rows": rows,
                        "headers": [s["title"] for s in field["items"]]})
        else:
            out.append({"title": field["title"], "text": display_value(schema, field, value)})
    return out


def split_errors(fields: list[dict], errors: dict) -> tuple[dict, list[str]]:
    """Errors by form key (`appraisals.0.year` → `appraisals-0-year`) and the rest (e.g. the
    Art. 5 conditions a refused application failed), which the page lists on top."""
    names = {f["key"] for f in fields}
    by_field, general = {}, []
    for key, messages in (errors or {}).items():
        parts = key.split(".")
        if parts[0] in names:
            by_field["-".join(parts)] = messages
        else:
            general.extend(messages)
    return by_field, general

"""Task forms: JSON Schemas under ``forms/`` and the validator behind every 422 on task data.

Each form is a draft 2020-12 schema with Chinese ``title``s, ``x-enum-labels`` (value → 中文)
on enum properties and ``x-order`` for display order (see docs/workflow-conventions.md).
"""
from __future__ import annotations

import copy
import json
import math
import pathlib
import re
import threading

from jsonschema import Draft202012Validator

from ..engine import RESERVED_DATA_KEY, reserved_key_path
from ..errors import Invalid

# Form names come from BPMN properties an admin writes; never let one escape the directory.
_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# U+0000 cannot be stored in PostgreSQL text; lone surrogates cannot be encoded as UTF-8.
# json.loads joins valid \uD83D\uDE00 pairs into one code point, so any surrogate left is unpaired.
_ILLEGAL_RE = re.compile("[\x00\ud800-\udfff]")

_TYPE_LABELS = {"string": "字符串", "integer": "整数", "number": "数字", "boolean": "布尔值",
                "array": "数组", "object": "对象", "null": "空值"}


class FormRegistry:
    """Forms by name (file stem). Schemas are parsed on first use, checked, and cached."""

    def __init__(self, directory: pathlib.Path):
        self.directory = pathlib.Path(directory)
        self._cache: dict[str, dict] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        self._lock = threading.Lock()  # Flask serves requests on several threads

    def names(self) -> set[str]:
        # Scanned each call (cheap) so it always matches what get() can load.
        if not self.directory.is_dir():
            return set()
        return {p.stem for p in self.directory.glob("*.json") if _NAME_RE.match(p.stem)}

    def get(self, name: str) -> dict:
        """The parsed schema; KeyError if there is no such form. Raises SchemaError for a broken one."""
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise KeyError(name)
        with self._lock:
            schema = self._cache.get(name)
            if schema is None:
                path = self.directory / f"{name}.json"
                if not path.is_file():
                    raise KeyError(name)
                schema = json.loads(path.read_text(encoding="utf-8"))
                Draft202012Validator.check_schema(schema)
                self._cache[name] = schema
        # A copy: callers put schemas into API responses and must not alter the cached one.
        return copy.deepcopy(schema)

    def validate(self, name: str, data) -> tuple[dict, dict[str, list[str]]]:
        """validate_submission against form `name`, with its validator built once."""
        self.get(name)  # loads, checks and caches the schema (KeyError for an unknown form)
        with self._lock:
            validator = self._validators.get(name)
            if validator is None:
                validator = self._validators[name] = Draft202012Validator(
                    self._cache[name], format_checker=Draft202012Validator.FORMAT_CHECKER)
        return validate_submission(self._cache[name], data, validator)


def enum_label(schema: dict, field: str, value) -> str:
    """Chinese label of an enum value; ``field`` may be dotted (``appraisals.grade``,
    ``appraisals.0.grade``). Falls back to the value itself; None → ''."""
    if value is None:
        return ""
    node = schema
    for part in field.split("."):
        if "items" in node and "properties" not in node:  # an array: step into its items
            node = node["items"]
        if part.isdigit():
            continue
        node = (node.get("properties") or {}).get(part)
        if not isinstance(node, dict):
            return str(value)
    labels = node.get("x-enum-labels") or {}
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


def _join(path, key=None) -> str:
    parts = [str(p) for p in path] + ([str(key)] if key is not None else [])
    return ".".join(parts) or "data"


def _message(error) -> str:
    kind, arg, sch = error.validator, error.validator_value, error.schema
    if kind == "type":
        types = arg if isinstance(arg, list) else [arg]
        return "类型错误：应为" + "或".join(_TYPE_LABELS.get(t, t) for t in types)
    if kind in ("enum", "const"):
        values = arg if kind == "enum" else [arg]
        labels = sch.get("x-enum-labels") or {}
        return "必须是以下之一：" + "、".join(labels.get(v, str(v)) if isinstance(v, str) else str(v)
                                          for v in values)
    if kind == "maxLength":
        return f"长度不能超过 {arg} 个字符"
    if kind == "minLength":
        return "不能为空" if arg == 1 else f"长度不能少于 {arg} 个字符"
    if kind == "pattern":
        return "不能为空" if arg == "\\S" else "格式不正确"
    if kind == "format":
        return "日期格式应为 YYYY-MM-DD" if arg == "date" else "格式不正确"
    if kind == "minimum":
        return f"不能小于 {arg}"
    if kind == "maximum":
        return f"不能大于 {arg}"
    if kind == "exclusiveMinimum":
        return f"必须大于 {arg}"
    if kind == "exclusiveMaximum":
        return f"必须小于 {arg}"
    if kind == "minItems":
        return f"至少需要 {arg} 项"
    if kind == "maxItems":
        return f"最多 {arg} 项"
    if kind == "uniqueItems":
        return "不能有重复项"
    return "数据无效"


def _bad_values(data) -> list[tuple[list, str]]:
    """(path, message) for every illegal string or non-finite number anywhere in ``data``.

    Iterative, not recursive: a deeply nested body must not blow the stack. Python's json
    accepts NaN/Infinity, which pass ``minimum`` checks and would poison amounts."""
    found, stack = [], [([], data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _ILLEGAL_RE.search(value):
                found.append((path, "包含非法字符"))
        elif isinstance(value, float):
            if not math.isfinite(value):
                found.append((path, "必须是有限数值"))
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(k, str) and _ILLEGAL_RE.search(k):
                    found.append((path, "包含非法字符"))
                    continue
                stack.append((path + [k], v))
        elif isinstance(value, list):
            stack.extend((path + [i], v) for i, v in enumerate(value))
    return found


def form_validator(schema: dict) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate_submission(schema: dict, data, validator=None) -> tuple[dict, dict[str, list[str]]]:
    """Validate task data against a form. Returns (cleaned_data, errors: field → messages).

    An explicit ``null`` on a top-level property of the form means "not given", the same as
    leaving it out: forms are shown back with unsubmitted fields as null, and resubmitting
    them must not fail on type; a null required field is reported as 此项为必填项."""
    if not isinstance(data, dict):
        return {}, {"data": ["必须是 JSON 对象 / must be an object"]}
    declared = schema.get("properties") or {}
    submitted = {k: v for k, v in data.items() if not (v is None and k in declared)}

    errors: dict[str, list[str]] = {}

    def add(key: str, msg: str) -> None:
        # Keys echo the client's property names; scrub them so the 422 body is valid UTF-8.
        msgs = errors.setdefault(_ILLEGAL_RE.sub("\ufffd", key), [])
        if msg not in msgs:
            msgs.append(msg)

    for path, msg in _bad_values(submitted):
        add(_join(path), msg)

    validator = validator or Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in validator.iter_errors(submitted):
        path, inst = list(error.absolute_path), error.instance
        if error.validator == "required" and isinstance(inst, dict):
            # One error per missing name; recompute which from the list (the message is English).
            for prop in error.validator_value:
                if prop not in inst:
                    add(_join(path, prop), "此项为必填项")
        elif error.validator == "additionalProperties" and isinstance(inst, dict):
            known = error.schema.get("properties") or {}
            patterns = [re.compile(p) for p in error.schema.get("patternProperties") or {}]
            for prop in inst:
                if prop not in known and not any(p.search(prop) for p in patterns):
                    add(_join(path, prop), "不允许的字段")
        else:
            add(_join(path), _message(error))

    cleaned = copy.deepcopy(data)
    for prop in declared:
        cleaned.setdefault(prop, None)
    return cleaned, errors


def refuse_reserved_key(data: dict) -> None:
    """Task data a user sends goes into the saved workflow: a dict in it keyed `typename`
    would be read back as one of SpiffWorkflow's objects (engine/serializer.py)."""
    path = reserved_key_path(data)
    if path is not None:
        field = str(path[0]) if path else RESERVED_DATA_KEY
        raise Invalid(f"“{RESERVED_DATA_KEY}”是系统保留的字段名 / '{RESERVED_DATA_KEY}' is a "
                      f"reserved key", {field: [f"不能使用系统保留的字段名“{RESERVED_DATA_KEY}”"]})

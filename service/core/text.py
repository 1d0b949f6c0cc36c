"""The text rules every entry point applies (API bodies, web forms, search boxes) — one scan for
all, so SQLite and PostgreSQL see the same input: U+0000 and unpaired surrogates can be stored
in neither PostgreSQL nor UTF-8, and over-long strings break the contract's limits."""
from __future__ import annotations

MAX_TEXT = 2000
MAX_JSON_DEPTH = 32  # forms nest three levels; deeper bodies only serve to exhaust the stack


def bad_strings(value, path="", depth=0) -> dict:
    """{path: [message]} for every string in `value` (nested dicts and lists) that breaks a rule."""
    found = {}
    if depth > MAX_JSON_DEPTH:
        return {path or "body": [f"嵌套不能超过 {MAX_JSON_DEPTH} 层 / nested too deeply"]}
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            found[path or "body"] = ["包含非法字符 / contains U+0000 or an unpaired surrogate"]
        elif len(value) > MAX_TEXT:
            found[path or "body"] = [f"长度不能超过 {MAX_TEXT} 个字符 / at most {MAX_TEXT} characters"]
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and ("\x00" in key or any("\ud800" <= c <= "\udfff" for c in key)):
                found[path or "body"] = ["字段名包含非法字符 / a key contains illegal characters"]
            found.update(bad_strings(item, sub, depth + 1))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found.update(bad_strings(item, f"{path}.{i}" if path else str(i), depth + 1))
    return found


def is_clean(text: str) -> bool:
    """No U+0000 and no unpaired surrogate: storable in both databases."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a name (of a person, unit or department), or None. Control and
    invisible format characters (zero-width spaces, direction marks) make two names look alike
    or break the printed forms and exports."""
    import unicodedata
    if not text or not text.strip():
        return "不能为空 / must not be blank"
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text):
        return "不能包含控制字符或不可见字符 / contains control or invisible characters"
    return None

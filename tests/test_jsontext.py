"""service/jsontext.py: orjson where it can, the json module where orjson refuses — the same
values either way."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest

from talentflow import jsontext


def _iso(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def test_what_it_writes_reads_back_as_json_writes_it():
    value = {"名称": "人才", "at": datetime(2026, 12, 1, 9, 0, 0, 5), "on": date(2026, 1, 2),
             "amount": Decimal("1.50"), "n": [1, 2.5, None, True], "t": ("a", "b")}
    text = jsontext.dumps(value, default=_iso)
    assert json.loads(text) == json.loads(json.dumps(value, default=_iso))
    assert "人才" in text  # UTF-8, not \\u escapes
    assert jsontext.loads(text) == json.loads(text)


@dataclass
class _Point:
    x: int


def test_dates_and_dataclasses_go_through_default_as_with_json():
    seen = []

    def default(value):
        seen.append(type(value))
        return "seen"

    assert json.loads(jsontext.dumps([datetime(2026, 1, 1), date(2026, 1, 1), _Point(1)],
                                     default=default)) == ["seen"] * 3
    assert seen == [datetime, date, _Point]


@pytest.mark.parametrize("value", [{"big": 2 ** 70}, {1: "a", 2: "b"}, [[[[]]]] * 2])
def test_what_orjson_refuses_is_written_by_json(value):
    assert json.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_a_default_that_raises_raises_as_with_json():
    with pytest.raises(TypeError, match="set"):
        jsontext.dumps({"s": {1}}, default=_iso)
    with pytest.raises(TypeError):
        jsontext.dumps({"s": object()})


def test_reading_falls_back_for_nan_and_refuses_what_is_not_json():
    assert math.isnan(jsontext.loads('{"x": NaN}')["x"])
    for big in (2 ** 64, -2 ** 63 - 1, 10 ** 30):
        assert jsontext.loads(f'{{"big": {big}}}') == {"big": big}
        assert jsontext.loads(jsontext.dumps([big]).encode()) == [big]
    assert jsontext.loads('{"card": "6222021234567890123", "n": 2}') == {
        "card": "6222021234567890123", "n": 2}
    with pytest.raises(ValueError):
        jsontext.loads("{not json")
    with pytest.raises(TypeError):
        jsontext.loads(45)


def test_nan_is_written_as_null():
    assert jsontext.loads(jsontext.dumps({"x": float("nan")})) == {"x": None}

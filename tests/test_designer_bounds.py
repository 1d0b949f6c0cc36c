"""Diagrams that used to hang the server or answer 5xx at validate, deploy or start: unbounded
DMN cells, timers and multi-instance counts, documents in a Chinese encoding, expressions
thousands of levels deep, and expressions outside <process> that deploy never checked. Every
probe runs in a forked child with a time and memory limit (bounded_run.py)."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from bounded_run import bounded
from designer_helpers import deploy, deployed, validate

BUDGET = 5  # seconds, for what used to take minutes (or never end)


def in_child(platform, call):
    """call() -> Flask response, made in a forked child: (status, JSON body)."""
    def child():
        platform.engine.dispose(close=False)  # the child opens its own connections
        response = call()
        return response.status_code, response.get_json()
    (outcome, *detail), seconds = bounded(child)
    assert outcome == "ok", detail
    assert seconds < BUDGET, seconds
    return detail[0]


def refused(api, platform, doc) -> list[str]:
    """Validate, then deploy, each bounded: both refuse the document; the problem messages."""
    api.token("admin")
    status, body = in_child(platform, lambda: validate(api, doc))
    assert status == 200 and body["valid"] is False, (status, body)
    status, deployed_body = in_child(platform, lambda: deploy(api, doc))
    assert status == 422, (status, deployed_body)
    return [p["message"] for p in body["problems"]]


DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="t">
  <decision id="probe_table" name="t">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i1" label="a"><inputExpression id="e1" typeRef="integer"><text>age</text></inputExpression></input>
      <output id="o1" name="amount" typeRef="integer"/>
      <rule id="r1"><inputEntry id="c1"><text>{cell}</text></inputEntry><outputEntry id="c2"><text>{out}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def dmn(cell="-", out="1"):
    return DMN.format(cell=escape(cell), out=escape(out))


@pytest.mark.parametrize("doc", [
    dmn(out="round(1, -10**9)"),
    dmn(cell="> round(1, -10**9)"),
    dmn(out="[[[[0]*1000]*1000]*1000]*1000 == [[[[0]*1000]*1000]*1000]*1000"),
], ids=["output-cell", "input-cell", "nested-lists"])
def test_dmn_cells_are_evaluated_within_bounds_at_deploy(api, platform, doc):
    [message] = refused(api, platform, doc)
    assert "决策表单元格无法计算" in message and "流程脚本生成的数据过大" in message, message

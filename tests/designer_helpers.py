"""Shared steps of the process-designer tests: deploy or validate a document through the API,
and work a case's open tasks to the end whoever holds them."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

DIAGRAMS = Path(__file__).resolve().parent / "diagrams"
WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
# Demo users who can work any task of a case the demo `applicant` started (its unit, district).
WORKERS = ["applicant", "unit_reviewer", "department_reviewer", "org_reviewer", "hr_reviewer",
           "leadership", "finance"]


def diagram(name: str) -> str:
    return (DIAGRAMS / name).read_text(encoding="utf-8")


def deploy(api, xml: str | bytes, user="admin"):
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return api.client.post("/api/admin/processes", data=body,
                           headers={**api.headers(user), "Content-Type": "application/xml"})


def validate(api, xml: str | bytes, user="admin"):
    body = xml.encode("utf-8") if isinstance(xml, str) else xml
    return api.client.post("/api/admin/processes/validate", data=body,
                           headers={**api.headers(user), "Content-Type": "application/xml"})


def deployed(api, xml):
    r = deploy(api, xml)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def open_tasks(api, instance_id) -> list[tuple[str, dict]]:
    found = []
    for user in WORKERS:
        found += [(user, t) for t in api.inbox(user) if t["instance_id"] == instance_id]
    return found


def work_case(api, instance_id, answers: dict | None = None, max_steps=30, steps=None) -> list[str]:
    """Complete open tasks until none is left (or `steps` were done); `answers` maps a task
    name to its data (default a review approval). Returns the names completed, in order."""
    answers = answers or {}
    done = []
    for _ in range(max_steps):
        if steps is not None and len(done) == steps:
            return done
        tasks = open_tasks(api, instance_id)
        if not tasks:
            return done
        user, task = tasks[0]
        data = answers.get(task["name"], {"decision": "approve", "comment": "同意"})
        r = api.complete(task["id"], data, user)
        assert r.status_code == 200, (task["name"], r.get_json())
        done.append(task["name"])
    raise AssertionError(f"case {instance_id} still has tasks after {max_steps} steps: {done}")


ONE_RULE_DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="t">
  <decision id="{decision}" name="{title}">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i1" label="年龄"><inputExpression id="e1" typeRef="integer"><text>age</text></inputExpression></input>
      <output id="o1" name="amount" typeRef="integer"/>
      <rule id="r1"><inputEntry id="c1"><text>{cell}</text></inputEntry><outputEntry id="c2"><text>{out}</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def one_rule_dmn(cell: str = "-", out: str = "1", decision: str = "probe_table",
                 title: str = "t") -> str:
    """A decision table of one rule: input `age`, output `amount`, the cells as given."""
    return ONE_RULE_DMN.format(decision=decision, title=title, cell=escape(cell), out=escape(out))

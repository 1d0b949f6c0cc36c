"""Reward types and amounts for the reward start page, read from the deployed DMN table so the
page says what the service will actually compute (an admin may redeploy the table)."""
from __future__ import annotations

from defusedxml import ElementTree

from ...core import definitions

DECISION_ID = "reward_amounts"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _literal(text: str | None):
    text = (text or "").strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def reward_rules(session) -> list[dict]:
    """[{reward_type, description, tuition_ratio, fixed_amount, min_service_years}] by rule."""
    definition = definitions.latest(session, DECISION_ID, kind="dmn")
    if definition is None:
        return []
    root = ElementTree.fromstring(definition.xml.encode("utf-8"))
    table = next((el for el in root.iter() if _local(el.tag) == "decision"
                  and el.get("id") == DECISION_ID), None)
    if table is None:
        return []
    outputs = [el.get("name") for el in table.iter() if _local(el.tag) == "output"]
    rules = []
    for rule in (el for el in table.iter() if _local(el.tag) == "rule"):
        entries = [e for e in rule if _local(e.tag) == "inputEntry"]
        values = [e for e in rule if _local(e.tag) == "outputEntry"]
        text = {name: _literal(next((c.text for c in v if _local(c.tag) == "text"), ""))
                for name, v in zip(outputs, values)}
        description = next((c.text for c in rule if _local(c.tag) == "description"), "") or ""
        first = next((c.text for c in entries[0] if _local(c.tag) == "text"), "") if entries else ""
        rules.append({"reward_type": _literal(first), "description": description.strip(),
                      **text})
    return rules

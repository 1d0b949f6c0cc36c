"""What every part of the engine's document handling shares: the namespaces, and the shape of
a problem report (message, line, element id) that deploy and validation answer with."""
from __future__ import annotations

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


class DiagramError(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def problem(message: str, line: int | None = None, element: str | None = None) -> dict:
    # SpiffWorkflow's exceptions carry '' where they know no line or id
    return {"message": message, "line": line if isinstance(line, int) and line > 0 else None,
            "element": str(element)[:200] if element else None}

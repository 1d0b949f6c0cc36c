"""Which elements two versions of a diagram added, removed or changed (the designer's diff)."""
from __future__ import annotations

from lxml import etree

from .definitions import parse_xml


_DIAGRAM_NAMESPACES = ("http://www.omg.org/spec/BPMN/20100524/DI", "http://www.omg.org/spec/DD/20100524/DC",
                       "http://www.omg.org/spec/DD/20100524/DI", "https://www.omg.org/spec/DMN/20191111/DMNDI/")


def _semantic_elements(root) -> dict[str, tuple[str, str, str]]:
    """id -> (type, name, signature) of every element with an id outside the layout (DI):
    the signature is the element's attributes and the text of its own children that have no
    id of their own (conditions, scripts, properties)."""
    found = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or not el.get("id"):
            continue
        q = etree.QName(el)
        if q.namespace in _DIAGRAM_NAMESPACES:
            continue
        parts = [q.localname, repr(sorted((k, v) for k, v in el.attrib.items() if k != "id"))]
        for sub in el.iterdescendants():
            if not isinstance(sub.tag, str) or any(a.get("id") for a in sub.iterancestors()
                                                   if a is not el and el in a.iterancestors()):
                continue
            if sub.get("id"):
                continue
            parts.append(etree.QName(sub).localname + repr(sorted(sub.attrib.items()))
                         + (sub.text or "").strip())
        found[el.get("id")] = (q.localname, el.get("name") or "", "\n".join(parts))
    return found


def diff_documents(old_xml: str, new_xml: str) -> dict:
    """What changed between two versions of a document, by element id (layout ignored)."""
    old, new = _semantic_elements(parse_xml(old_xml)), _semantic_elements(parse_xml(new_xml))

    def row(i, facts):
        return {"id": i, "type": facts[0], "name": facts[1]}
    return {"added": [row(i, new[i]) for i in new if i not in old],
            "removed": [row(i, old[i]) for i in old if i not in new],
            "changed": [row(i, new[i]) for i in new if i in old and new[i][2] != old[i][2]]}

"""Deployed process definitions: versioning in the database, compiled specs cached per version."""
from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import engine
from ..errors import Invalid, NotFound
from .models import ProcessDefinition
from .registry import REGISTRY
from .roles import ROLES


class DefinitionCache:
    """Compiled specs by definition row id; a deployed version never changes, so no expiry."""

    def __init__(self, forms):
        self._forms = forms
        self._compiled: dict[int, engine.CompiledProcess] = {}
        self._lock = threading.Lock()

    def compiled_by_id(self, session: Session, definition_id: int) -> engine.CompiledProcess:
        """The spec of a version, without reading its XML row when it is already compiled."""
        hit = self._compiled.get(definition_id)
        return hit if hit is not None else self.compiled(session, session.get(ProcessDefinition,
                                                                             definition_id))

    def compiled(self, session: Session, definition: ProcessDefinition) -> engine.CompiledProcess:
        hit = self._compiled.get(definition.id)
        if hit is not None:
            return hit
        dmn_rows = [session.get(ProcessDefinition, i) for i in definition.dmn_refs.values()]
        compiled = _compile_roots(engine.parse_xml(definition.xml), [r.xml for r in dmn_rows],
                                  self._forms)
        with self._lock:
            return self._compiled.setdefault(definition.id, compiled)


def latest(session: Session, process_id: str, kind: str = "bpmn") -> ProcessDefinition | None:
    return session.scalars(
        select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                        ProcessDefinition.kind == kind)
        .order_by(ProcessDefinition.version.desc()).limit(1)).first()


def list_latest(session: Session) -> list[ProcessDefinition]:
    newest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
              .where(ProcessDefinition.kind == "bpmn").group_by(ProcessDefinition.process_id)
              .subquery())
    return list(session.scalars(
        select(ProcessDefinition).join(newest, (ProcessDefinition.process_id == newest.c.process_id)
                                       & (ProcessDefinition.version == newest.c.v))
        .where(ProcessDefinition.kind == "bpmn").order_by(ProcessDefinition.process_id)))


def require_latest(session: Session, process_id: str) -> ProcessDefinition:
    definition = latest(session, process_id)
    if definition is None:
        raise NotFound(f"流程不存在 / unknown process: {process_id}")
    return definition


def _problems_to_errors(problems: list[dict]) -> dict:
    errors: dict[str, list[str]] = {}
    for p in problems:
        key = p.get("element") or (f"line {p['line']}" if p.get("line") else "document")
        where = f"（第 {p['line']} 行）" if p.get("line") else ""
        errors.setdefault(key, []).append(p["message"] + where)
    return errors


def _next_version(session: Session, process_id: str, kind: str) -> int:
    current = session.scalar(select(func.max(ProcessDefinition.version))
                             .where(ProcessDefinition.process_id == process_id,
                                    ProcessDefinition.kind == kind))
    return (current or 0) + 1


def deploy(session: Session, xml: bytes | str, forms,
           user_id: int | None = None) -> list[ProcessDefinition]:
    """Deploy one BPMN or DMN document as a new version; returns the rows created.

    A DMN document also redeploys, as new versions, the latest version of every process that
    calls one of its decisions, so new cases use the new table and running ones keep theirs."""
    try:
        root = engine.parse_xml(xml)
        text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    except engine.DiagramError as exc:
        raise Invalid("流程文件有误 / the document has problems", _problems_to_errors(exc.problems))
    except UnicodeDecodeError:
        raise Invalid("流程文件必须是 UTF-8 / the document must be UTF-8", {"document": ["编码错误"]})
    kind = engine.document_kind(root)
    if kind == "bpmn":
        return [_deploy_bpmn(session, root, text, forms, user_id)]
    if kind == "dmn":
        return _deploy_dmn(session, root, text, forms, user_id)
    raise Invalid("不是 BPMN 或 DMN 文件 / not a BPMN or DMN document",
                  {"document": ["根元素应为 bpmn:definitions 或 dmn:definitions"]})


def _current_dmn_refs(session: Session, decision_ids: set[str]) -> tuple[dict, list[str]]:
    refs, missing = {}, []
    for decision_id in sorted(decision_ids):
        row = latest(session, decision_id, kind="dmn")
        if row is None:
            missing.append(decision_id)
        else:
            refs[decision_id] = row.id
    return refs, missing


def _deploy_bpmn(session, root, text, forms, user_id, dmn_override: dict | None = None):
    decisions = engine.referenced_decisions(root)
    refs, missing = _current_dmn_refs(session, decisions)
    refs.update(dmn_override or {})
    missing = [m for m in missing if m not in refs]
    if missing:
        raise Invalid("流程引用了未部署的决策表 / the diagram calls undeployed decisions",
                      {m: ["决策表不存在 / decision not deployed"] for m in missing})
    dmn_xmls = [session.get(ProcessDefinition, i).xml for i in refs.values()]
    try:
        compiled = _compile_roots(root, dmn_xmls, forms)
    except engine.DiagramError as exc:
        raise Invalid("流程文件有误 / the diagram has problems", _problems_to_errors(exc.problems))
    definition = ProcessDefinition(
        kind="bpmn", process_id=compiled.process_id, name=compiled.name, xml=text,
        version=_next_version(session, compiled.process_id, "bpmn"),
        dmn_refs=refs, deployed_by=user_id)
    session.add(definition)
    session.flush()
    return definition


def _compile_roots(root, dmn_xmls, forms):
    return engine.compile_process(root, [engine.parse_xml(x) for x in dmn_xmls],
                                  roles=set(ROLES), forms=forms.names(),
                                  operations=set(REGISTRY.operations))


def _deploy_dmn(session, root, text, forms, user_id):
    decision_ids, problems = engine.check_dmn(root)
    if problems:
        raise Invalid("决策表有误 / the decision table has problems", _problems_to_errors(problems))
    created = []
    for decision_id in decision_ids:
        row = ProcessDefinition(kind="dmn", process_id=decision_id, name=decision_id, xml=text,
                                version=_next_version(session, decision_id, "dmn"),
                                dmn_refs={}, deployed_by=user_id)
        session.add(row)
        created.append(row)
    session.flush()
    for process in list_latest(session):
        if not set(process.dmn_refs) & set(decision_ids):
            continue
        bpmn_root = engine.parse_xml(process.xml)
        override = {d: r.id for d, r in zip(decision_ids, created)}
        created.append(_deploy_bpmn(session, bpmn_root, process.xml, forms, user_id, override))
    return created


def deploy_directory(session: Session, directory: Path, forms) -> list[ProcessDefinition]:
    """Deploy the shipped files whose content differs from the latest deployed version."""
    created = []
    files = sorted(directory.glob("*.dmn")) + sorted(directory.glob("*.bpmn"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        root = engine.parse_xml(text)
        if engine.document_kind(root) == "dmn":
            ids, _ = engine.check_dmn(root)
            current = [latest(session, i, kind="dmn") for i in ids]
        else:
            current = [latest(session, i) for i in engine.process_ids(root)]
        if current and all(c is not None and c.xml == text for c in current):
            continue
        created += deploy(session, text, forms)
    return created

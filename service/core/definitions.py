"""Deployed process definitions: versioning in the database, compiled specs cached per version."""
from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import engine
from ..errors import Invalid, NotFound
from .forms import form_validator, validate_submission
from .models import Instance, ProcessDefinition, User
from .registry import REGISTRY
from .roles import ROLES


class DefinitionCache:
    """Compiled specs by definition row id; a deployed version never changes, so no expiry."""

    def __init__(self, forms):
        self._forms = forms
        self._compiled: dict[int, engine.CompiledProcess] = {}
        self._version_forms: dict[int, dict] = {}
        self._validators: dict[tuple[int, str], object] = {}
        self._lock = threading.Lock()

    def _forms_of(self, session: Session, definition_id: int) -> dict:
        hit = self._version_forms.get(definition_id)
        if hit is None:
            row = session.get(ProcessDefinition, definition_id)
            hit = self._version_forms.setdefault(definition_id, dict(row.forms or {}))
        return hit

    def form(self, session: Session, definition_id: int, name: str) -> dict:
        """Form `name` as the version was deployed with it (older rows without a copy, and
        forms a version does not hold, come from forms/)."""
        schema = self._forms_of(session, definition_id).get(name)
        return copy.deepcopy(schema) if schema is not None else self._forms.get(name)

    def validate_form(self, session: Session, definition_id: int, name: str, data):
        schema = self._forms_of(session, definition_id).get(name)
        if schema is None:
            return self._forms.validate(name, data)
        key = (definition_id, name)
        validator = self._validators.get(key)
        if validator is None:
            validator = self._validators.setdefault(key, form_validator(schema))
        return validate_submission(schema, data, validator)

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
        called_rows = [session.get(ProcessDefinition, i) for i in (definition.call_refs or {}).values()]
        # The version's own forms: a form changed or removed since does not refuse its cases.
        compiled = _compile_roots(engine.parse_xml(definition.xml), [r.xml for r in dmn_rows],
                                  self._forms, [r.xml for r in called_rows],
                                  form_names=set(definition.forms) if definition.forms else None)
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


def version_of(session: Session, process_id: str, version: int,
               kind: str | None = None) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                            ProcessDefinition.version == version)
    if kind:
        query = query.where(ProcessDefinition.kind == kind)
    row = session.scalars(query.order_by(ProcessDefinition.kind).limit(1)).first()
    if row is None:
        raise NotFound(f"没有该版本 / no version {version} of {process_id}")
    return row


def all_versions(session: Session) -> list[dict]:
    """Every deployed version, newest first per process, with who deployed it and how many
    cases run on it."""
    running = dict(session.execute(
        select(Instance.definition_id, func.count(Instance.id))
        .where(Instance.status == "running").group_by(Instance.definition_id)).all())
    rows = session.execute(
        select(ProcessDefinition, User.username).outerjoin(User, User.id == ProcessDefinition.deployed_by)
        .order_by(ProcessDefinition.kind, ProcessDefinition.process_id,
                  ProcessDefinition.version.desc())).all()
    return [{"process_id": d.process_id, "name": d.name, "version": d.version, "kind": d.kind,
             "deployed_at": d.deployed_at, "deployed_by": username,
             "running_instances": running.get(d.id, 0)} for d, username in rows]


def diff_versions(session: Session, process_id: str, old: int, new: int) -> dict:
    """Elements added, removed and changed from version `old` to version `new`."""
    return engine.diff_documents(version_of(session, process_id, old).xml,
                                 version_of(session, process_id, new).xml)


def _problems_to_errors(problems: list[dict]) -> dict:
    errors: dict[str, list[str]] = {}
    for p in problems:
        key = p.get("element") or (f"line {p['line']}" if p.get("line") else "document")
        where = f"（第 {p['line']} 行）" if p.get("line") else ""
        errors.setdefault(key, []).append(p["message"] + where)
    return errors


def public_problems(problems: list[dict]) -> list[dict]:
    """The contract's shape: {"element_id", "message", "line"}."""
    return [{"element_id": p.get("element"), "message": p["message"], "line": p.get("line")}
            for p in problems]


def _next_version(session: Session, process_id: str, kind: str) -> int:
    current = session.scalar(select(func.max(ProcessDefinition.version))
                             .where(ProcessDefinition.process_id == process_id,
                                    ProcessDefinition.kind == kind))
    return (current or 0) + 1


@dataclass
class Checked:
    """A document checked the way deploy checks it: `problems` empty means it deploys."""
    kind: str = "unknown"
    root: object = None
    text: str = ""
    problems: list[dict] = field(default_factory=list)
    compiled: engine.CompiledProcess | None = None
    dmn_refs: dict = field(default_factory=dict)
    call_refs: dict = field(default_factory=dict)
    decision_ids: list[str] = field(default_factory=list)


def check(session: Session, xml: bytes | str, forms, dmn_override: dict | None = None) -> Checked:
    """Every problem of a BPMN or DMN document, found by the code deploy runs; writes nothing."""
    result = Checked()
    try:
        result.root = engine.parse_xml(xml)
        result.text = _as_text(xml, result.root)
    except engine.DiagramError as exc:
        result.problems = exc.problems
        return result
    except (UnicodeDecodeError, LookupError):
        result.problems = [{"message": "流程文件的字符编码无法识别，请保存为 UTF-8 / the document's "
                                       "encoding cannot be read; save it as UTF-8",
                            "line": None, "element": None}]
        return result
    result.kind = engine.document_kind(result.root)
    if result.kind == "dmn":
        result.decision_ids, result.problems = engine.check_dmn(result.root)
    elif result.kind == "bpmn":
        _check_bpmn(session, result, forms, dmn_override or {})
    else:
        result.problems = [{"message": "不是 BPMN 或 DMN 文件：根元素应为 bpmn:definitions 或 "
                                       "dmn:definitions / not a BPMN or DMN document",
                            "line": getattr(result.root, "sourceline", None), "element": None}]
    return result


_DECLARED_ENCODING = re.compile(r"""^(<\?xml[^>]*encoding=)["'][^"']*["']""")


def _as_text(xml: bytes | str, root) -> str:
    """The document as text, stored as UTF-8: one declaring another encoding (ISO-8859-1 from
    some modelling tools) is decoded with it and its declaration rewritten to say UTF-8."""
    if isinstance(xml, str):
        return xml
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        declared = root.getroottree().docinfo.encoding or "utf-8"
        text = xml.decode(declared)
        return _DECLARED_ENCODING.sub(r'\1"UTF-8"', text, count=1)


def _check_bpmn(session, result: Checked, forms, dmn_override: dict) -> None:
    root = result.root
    own_ids = {p.get("id") for p in root.findall(f"{{{engine.BPMN_NS}}}process")}
    call_refs, dmn_refs = {}, {}
    for called_id in sorted(engine.called_process_ids(root) - own_ids):
        row = latest(session, called_id)
        if row is not None:  # the engine reports a call activity naming no deployed process
            call_refs[called_id] = row.id
            call_refs.update({k: v for k, v in (row.call_refs or {}).items() if k not in own_ids})
            dmn_refs.update(row.dmn_refs or {})
    decisions = engine.referenced_decisions(root)
    for decision_id in sorted(decisions):
        row = latest(session, decision_id, kind="dmn")
        if row is not None:
            dmn_refs[decision_id] = row.id
        elif decision_id not in dmn_override:
            result.problems.append({
                "message": f"引用的决策表“{decision_id}”未部署 / the diagram calls an undeployed "
                           f"decision: {decision_id}",
                "line": None, "element": engine.decision_caller(root, decision_id)})
    dmn_refs.update(dmn_override)
    called_rows = [session.get(ProcessDefinition, i) for i in call_refs.values()]
    dmn_xmls = [session.get(ProcessDefinition, i).xml for i in dmn_refs.values()]
    try:
        result.compiled = _compile_roots(root, dmn_xmls, forms, [r.xml for r in called_rows])
    except engine.DiagramError as exc:
        result.problems += exc.problems
    result.call_refs, result.dmn_refs = call_refs, dmn_refs
    if result.problems:
        result.compiled = None


def validate(session: Session, xml: bytes | str, forms) -> dict:
    """POST /api/admin/processes/validate: the problems deploy would report; nothing deployed."""
    checked = check(session, xml, forms)
    return {"valid": not checked.problems, "problems": public_problems(checked.problems),
            "kind": checked.kind}


def deploy(session: Session, xml: bytes | str, forms,
           user_id: int | None = None) -> list[ProcessDefinition]:
    """Deploy one BPMN or DMN document as a new version; returns the rows created.

    A DMN document also redeploys, as new versions, the latest version of every process that
    calls one of its decisions, so new cases use the new table and running ones keep theirs."""
    checked = check(session, xml, forms)
    if checked.problems:
        raise Invalid("流程文件有误 / the document has problems",
                      _problems_to_errors(checked.problems))
    if checked.kind == "bpmn":
        return [_store_bpmn(session, checked, forms, user_id)]
    return _deploy_dmn(session, checked, forms, user_id)


def _store_bpmn(session, checked: Checked, forms, user_id) -> ProcessDefinition:
    compiled = checked.compiled
    form_names = sorted({info.form for info in compiled.tasks.values() if info.form})
    definition = ProcessDefinition(
        kind="bpmn", process_id=compiled.process_id, name=compiled.name, xml=checked.text,
        version=_next_version(session, compiled.process_id, "bpmn"),
        dmn_refs=checked.dmn_refs, call_refs=checked.call_refs,
        forms={name: forms.get(name) for name in form_names}, deployed_by=user_id)
    session.add(definition)
    session.flush()
    return definition


def _compile_roots(root, dmn_xmls, forms, called_xmls=(), form_names=None):
    return engine.compile_process(root, [engine.parse_xml(x) for x in dmn_xmls],
                                  roles=set(ROLES),
                                  forms=form_names if form_names is not None else forms.names(),
                                  operations=set(REGISTRY.operations),
                                  called_roots=[engine.parse_xml(x) for x in called_xmls])


def _deploy_dmn(session, checked: Checked, forms, user_id):
    decision_ids = checked.decision_ids
    created = []
    names = {d.get("id"): d.get("name") for d in checked.root.iter() if isinstance(d.tag, str)
             and d.tag.endswith("}decision")}
    for decision_id in decision_ids:
        row = ProcessDefinition(kind="dmn", process_id=decision_id,
                                name=(names.get(decision_id) or decision_id)[:200],
                                xml=checked.text,
                                version=_next_version(session, decision_id, "dmn"),
                                dmn_refs={}, call_refs={}, deployed_by=user_id)
        session.add(row)
        created.append(row)
    session.flush()
    override = {d: r.id for d, r in zip(decision_ids, created)}
    for process in list_latest(session):
        if not set(process.dmn_refs) & set(decision_ids):
            continue
        redeployed = check(session, process.xml, forms, override)
        if redeployed.problems:
            raise Invalid(f"新决策表使流程 {process.process_id} 无法部署 / the new table breaks "
                          f"{process.process_id}", _problems_to_errors(redeployed.problems))
        created.append(_store_bpmn(session, redeployed, forms, user_id))
    return created


def _forms_unchanged(definition: ProcessDefinition, forms) -> bool:
    """Does the version hold the shipped forms as they are now? A version keeps its own copy of
    its forms, so a form changed in forms/ reaches new cases only through a new version."""
    for name, schema in (definition.forms or {}).items():
        try:
            if forms.get(name) != schema:
                return False
        except KeyError:  # a form no longer shipped: the version keeps its copy
            continue
    return True


def deploy_directory(session: Session, directory: Path, forms) -> list[ProcessDefinition]:
    """Deploy the shipped files whose content, or whose forms, differ from the latest deployed
    version."""
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
        if current and all(c is not None and c.xml == text and _forms_unchanged(c, forms)
                           for c in current):
            continue
        created += deploy(session, text, forms)
    return created

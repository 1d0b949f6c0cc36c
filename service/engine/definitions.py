"""Parse and check BPMN/DMN documents; report every problem at once.

XML is parsed by us with entity expansion, DTDs and network access off, and the parsed tree is
handed to SpiffWorkflow (its own `add_bpmn_str` would use lxml's permissive defaults)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from .bpmn_xml import BPMN_NS, DMN_NAMESPACES, NS, SPIFF_NS, DiagramError, problem  # noqa: F401
from .diagram_checks import (call_cycles, check_process_tree, document_expression_problems,
                             expression_problems, first_valid, length_problems)
from .run_limits import bound_collection_inputs
from .safe_eval import UnsafeExpression, check_expression, safe_eval


@dataclass
class UserTaskInfo:
    name: str
    title: str
    role: str | None  # None: the case's starter works it
    form: str | None
    due_working_days: int | None


@dataclass
class CompiledProcess:
    process_id: str
    name: str
    spec: object
    subprocess_specs: dict
    tasks: dict[tuple[str, str], UserTaskInfo] = field(default_factory=dict)
    decision_ids: set[str] = field(default_factory=set)

    @property
    def user_tasks(self) -> dict[str, UserTaskInfo]:
        """By BPMN id; a name used in several (sub-)processes gives the top process's task."""
        found = {}
        for (spec_name, name), info in self.tasks.items():
            if name not in found or spec_name == self.process_id:
                found[name] = info
        return found

    def task_info(self, spec_name: str, name: str) -> UserTaskInfo:
        info = self.tasks.get((spec_name, name))
        return info if info is not None else self.user_tasks[name]


class _StopScan(Exception):
    pass


def _doctype_line(xml: bytes, first_try: bool = True) -> int | None:
    """Line of a DOCTYPE, seen by expat before any entity is declared or expanded (libxml2
    expands internal entities inside attribute values even with resolve_entities=False)."""
    scanner = expat.ParserCreate()
    found = []

    def doctype(*_args):
        found.append(scanner.CurrentLineNumber)
        raise _StopScan

    def first_element(*_args):
        raise _StopScan

    scanner.StartDoctypeDeclHandler = doctype
    scanner.StartElementHandler = first_element
    try:
        scanner.Parse(xml, True)
    except (_StopScan, expat.ExpatError):
        pass  # syntax errors are reported by the real parse below
    except LookupError:
        raise DiagramError([problem("不支持的字符编码，请保存为 UTF-8 / unsupported encoding; save the "
                                     "document as UTF-8", 1)]) from None
    except ValueError:  # "multi-byte encodings are not supported": GBK, Shift_JIS ...
        if first_try:
            return _doctype_line(_utf8_copy(xml), first_try=False)
        raise DiagramError([problem("字符编码无法识别，请保存为 UTF-8 / the document's encoding "
                                     "cannot be read; save it as UTF-8", 1)]) from None
    return found[0] if found else None


_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*)["']([^"']*)["']""")
# A document declaring GB2312 or GBK often holds characters only their superset has.
_GB_FAMILY = {"gb2312", "gbk", "cp936", "xgbk", "gb18030"}


def _utf8_copy(xml: bytes) -> bytes:
    """The document in UTF-8, declared so, for expat (libxml2 reads the original itself)."""
    head = xml[:200].decode("latin-1").lstrip("\u00ef\u00bb\u00bf")  # a UTF-8 BOM, read as latin-1
    match = _ENCODING.match(head)
    name = match.group(2) if match else "utf-8"
    codec = "gb18030" if re.sub(r"[-_ ]", "", name.lower()) in _GB_FAMILY else name
    try:
        text = xml.decode(codec)
    except LookupError:
        raise DiagramError([problem(f"不支持的字符编码“{name[:40]}”，请保存为 UTF-8 / unsupported "
                                     f"encoding {name[:40]!r}; save the document as UTF-8", 1)]) from None
    except UnicodeDecodeError:
        raise DiagramError([problem(f"文件内容不是声明的字符编码“{name[:40]}”，请保存为 UTF-8 / the "
                                     f"document is not valid {name[:40]}; save it as UTF-8", 1)]) from None
    return _ENCODING.sub(r'\1"UTF-8"', text, count=1).encode("utf-8")


def parse_xml(xml: bytes | str) -> etree._Element:
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    doctype_line = _doctype_line(xml)
    if doctype_line is not None:
        raise DiagramError([problem("不允许 DOCTYPE/实体声明 / DOCTYPE and entities are not allowed",
                                     doctype_line)])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramError([problem(f"XML 解析错误 / parse error: {exc.msg}", exc.lineno)])
    if root.getroottree().docinfo.doctype:
        raise DiagramError([problem("不允许 DOCTYPE/实体声明 / DOCTYPE and entities are not allowed", 1)])
    return root


def document_kind(root) -> str:
    ns = etree.QName(root).namespace
    if ns == BPMN_NS:
        return "bpmn"
    if ns in DMN_NAMESPACES:
        return "dmn"
    return "unknown"


def check_dmn(root) -> tuple[list[str], list[dict]]:
    """Decision ids in a DMN document, plus problems with its cell expressions.

    Cells are checked the way SpiffWorkflow's DMN engine will build them: `?` stands for the
    input, a cell that parses alone is compared with `==`, otherwise it is appended to the
    column's input expression."""
    ns = etree.QName(root).namespace
    problems, ids = [], []
    for decision in root.iter(f"{{{ns}}}decision"):
        ids.append(decision.get("id"))
    if not ids:
        problems.append(problem("DMN 文件中没有决策表 / no decision in the DMN document", root.sourceline))

    def text_of(node):
        text_node = node.find(f"{{{ns}}}text")
        return (text_node.text or "").strip() if text_node is not None else ""

    for decision in root.iter(f"{{{ns}}}decision"):
        problems += length_problems(decision)
    for table in root.iter(f"{{{ns}}}decisionTable"):
        inputs = [text_of(i.find(f"{{{ns}}}inputExpression")) if i.find(f"{{{ns}}}inputExpression")
                  is not None else "" for i in table.iterfind(f"{{{ns}}}input")]
        samples = [_sample(i.find(f"{{{ns}}}inputExpression")) for i in table.iterfind(f"{{{ns}}}input")]
        for expr, node in zip(inputs, table.iterfind(f"{{{ns}}}input")):
            if expr:
                problems += expression_problems(expr, node, node.get("id"))
        for rule in table.iterfind(f"{{{ns}}}rule"):
            for column, entry in enumerate(rule.iterfind(f"{{{ns}}}inputEntry")):
                cell = text_of(entry)
                if not cell or cell == "-":
                    continue
                input_expr = inputs[column] if column < len(inputs) else "dmninput"
                candidates = [cell.replace("?", "(dmninput)")] if "?" in cell else [cell, input_expr + cell]
                found = first_valid(candidates, entry, rule.get("id"))
                problems += found or _trial_problems(
                    cell, samples[column] if column < len(samples) else None, entry, rule.get("id"))
            for entry in rule.iterfind(f"{{{ns}}}outputEntry"):
                cell = text_of(entry)
                if cell:
                    found = expression_problems(cell, entry, rule.get("id"))
                    problems += found or _trial_problems(cell, _NO_INPUT, entry, rule.get("id"),
                                                         output=True)
    return ids, problems


# A typed sample of each DMN input type: every cell is tried on one at deploy time, so a table
# that can only fail (a number compared with text, a division by zero) is refused then, not
# on an applicant's case.
_SAMPLES = {"string": "", "integer": 0, "long": 0, "double": 0.0, "number": 0, "boolean": False}
_NO_INPUT = object()


def _sample(input_expression):
    type_ref = (input_expression.get("typeRef") if input_expression is not None else "") or ""
    return _SAMPLES.get(type_ref.lower(), _NO_INPUT)


def _trial_problems(cell, sample, el, element_id, output=False) -> list[dict]:
    """Evaluate a cell once in the restricted evaluator: as an output, or as a test of a typed
    sample input the way SpiffWorkflow's DMN engine builds it."""
    if sample is _NO_INPUT and not output:
        return []
    if output:
        text, names = cell, {}
    elif "?" in cell:
        text, names = cell.replace("?", "(dmninput)"), {"dmninput": sample}
    else:
        try:
            check_expression(cell)
            text = "dmninput == (" + cell + ")"
        except (SyntaxError, UnsafeExpression):
            text = "dmninput " + cell
        names = {"dmninput": sample}
    try:
        safe_eval(text, names)
    except NameError:  # the cell reads case data, which exists only on a real case
        return []
    except Exception as exc:  # noqa: BLE001 - any other failure would hit every case
        return [problem(f"决策表单元格无法计算 / cell {cell!r} cannot be evaluated: "
                         f"{type(exc).__name__}: {exc}", el.sourceline, element_id)]
    return []


def _user_task_info(specs, lane_roles) -> dict[tuple[str, str], UserTaskInfo]:
    """Human tasks (user and manual tasks) of the process and of every sub-process and called
    process it runs, by (process spec name, BPMN id). A multi-instance task's instances share
    the task's BPMN id, which is their `name`."""
    infos = {}
    for spec in specs:
        for ts in spec.task_specs.values():
            if not getattr(ts, "manual", False):
                continue
            name = getattr(ts, "bpmn_id", None) or ts.name
            props = (getattr(ts, "extensions", None) or {}).get("properties", {})
            lane = getattr(ts, "lane", None)
            role = lane if lane in lane_roles and lane != "applicant" else None
            due = props.get("due_working_days")
            infos[(spec.name, name)] = UserTaskInfo(
                name=name, title=getattr(ts, "bpmn_name", None) or name, role=role,
                form=props.get("form"), due_working_days=int(due) if due else None)
    return infos


def called_process_ids(bpmn_root) -> set[str]:
    return {el.get("calledElement") for el in bpmn_root.iter(f"{{{BPMN_NS}}}callActivity")
            if el.get("calledElement")}


def main_process(bpmn_root):
    """(the process a deploy runs, problems): the executable process no other process of the
    document calls. `isExecutable="false"` is refused, saying so."""
    processes = bpmn_root.findall("bpmn:process", NS)
    if not processes:
        return None, [problem("文件中没有流程 / no process in the document", bpmn_root.sourceline)]
    not_executable = [p for p in processes if p.get("isExecutable", "true") == "false"]
    if not_executable:
        # Also beside an executable one: deploying would silently drop it.
        return None, [problem(
            "流程标记为不可执行（isExecutable=\"false\"），引擎不会运行它；请改为 isExecutable=\"true\" / "
            "the process is marked isExecutable=\"false\"", p.sourceline, p.get("id")) for p in not_executable]
    executable = processes
    called = called_process_ids(bpmn_root)
    mains = [p for p in executable if p.get("id") not in called] or executable
    if len(mains) != 1:
        return None, [problem("文件必须只包含一个可执行的主流程（其他流程须由它调用）/ exactly one "
                               "executable main process expected", bpmn_root.sourceline)]
    return mains[0], []


def _processes_run_by(main, bpmn_root) -> list:
    """The main process and the processes of the same document it calls, directly or not."""
    by_id = {p.get("id"): p for p in bpmn_root.findall("bpmn:process", NS)}
    found, todo = [], [main]
    while todo:
        proc = todo.pop()
        if proc in found:
            continue
        found.append(proc)
        todo += [by_id[c] for c in called_process_ids(proc) if c in by_id]
    return found


def compile_process(bpmn_root, dmn_roots: list, *, roles, forms, operations,
                    called_roots: list = ()) -> CompiledProcess:
    """Check a BPMN document (with the DMN documents it may call and the deployed processes
    its call activities name) and build its spec.

    Raises DiagramError listing every problem found."""
    main, problems = main_process(bpmn_root)
    if main is None:
        raise DiagramError(problems)
    own = _processes_run_by(main, bpmn_root)
    own_ids = {p.get("id") for p in bpmn_root.findall("bpmn:process", NS)}
    callable_ids = own_ids | {p.get("id") for r in called_roots for p in r.findall("bpmn:process", NS)}
    for proc in own:
        problems += check_process_tree(proc, roles, forms, operations, callable_ids)
    problems += document_expression_problems(bpmn_root)
    problems += call_cycles(main, bpmn_root, called_roots)
    if problems:
        raise DiagramError(problems)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for root in dmn_roots:
            parser.add_dmn_xml(root)
        for index, root in enumerate(called_roots):
            if not {p.get("id") for p in root.findall("bpmn:process", NS)} & own_ids:
                parser.add_bpmn_xml(root, filename=f"called_{index}.bpmn")
        parser.add_bpmn_xml(bpmn_root, filename=f"{main.get('id')}.bpmn")
        spec = parser.get_spec(main.get("id"))
        subprocess_specs = parser.get_subprocess_specs(main.get("id"))
    except ValidationException as exc:
        raise DiagramError([problem(f"流程校验失败 / invalid diagram: {exc}",
                                     getattr(exc, "line_number", None), getattr(exc, "id", None))])
    except Exception as exc:  # the library raises plain errors for some malformed input
        raise DiagramError([problem(f"流程解析失败 / cannot build the diagram: {exc}")])
    bound_collection_inputs([spec, *subprocess_specs.values()])
    decisions = {el.text.strip() for el in bpmn_root.iter(f"{{{SPIFF_NS}}}calledDecisionId") if el.text}
    return CompiledProcess(process_id=main.get("id"), name=main.get("name") or main.get("id"),
                           spec=spec, subprocess_specs=subprocess_specs,
                           tasks=_user_task_info([spec, *subprocess_specs.values()], roles),
                           decision_ids=decisions)


def decision_caller(bpmn_root, decision_id: str) -> str | None:
    """The id of the business-rule task that calls `decision_id`."""
    for el in bpmn_root.iter(f"{{{SPIFF_NS}}}calledDecisionId"):
        if (el.text or "").strip() == decision_id:
            owner = next((a for a in el.iterancestors() if a.get("id")), None)
            return owner.get("id") if owner is not None else None
    return None


def referenced_decisions(bpmn_root) -> set[str]:
    return {el.text.strip() for el in bpmn_root.iter(f"{{{SPIFF_NS}}}calledDecisionId") if el.text}


def process_ids(bpmn_root) -> list[str]:
    """The id a deploy of this document creates (its main process), or every process id when
    it has no single main process."""
    main, _ = main_process(bpmn_root)
    return [main.get("id")] if main is not None else [p.get("id") for p in bpmn_root.findall("bpmn:process", NS)]

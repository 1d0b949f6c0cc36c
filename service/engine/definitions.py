"""Parse and check BPMN/DMN documents; report every problem at once.

XML is parsed by us with entity expansion, DTDs and network access off, and the parsed tree is
handed to SpiffWorkflow (its own `add_bpmn_str` would use lxml's permissive defaults)."""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, VALIDATOR

from .safe_eval import UnsafeExpression, check_expression, check_script, safe_eval

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
)
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# Elements inside a process that the service can run. Anything else is refused at deploy time
# rather than failing on a citizen's case later.
SUPPORTED = {
    "startEvent", "endEvent", "userTask", "serviceTask", "scriptTask", "businessRuleTask",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "sequenceFlow", "laneSet",
    "lane", "flowNodeRef", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent",
    "task", "manualTask", "extensionElements", "documentation", "incoming", "outgoing",
    "conditionExpression", "script", "timerEventDefinition", "timeDuration", "timeDate",
    "timeCycle", "properties", "property", "serviceTaskOperator", "parameters", "parameter",
    "calledDecisionId", "textAnnotation", "association", "text", "dataObject",
    "dataObjectReference", "dataInputAssociation", "dataOutputAssociation", "sourceRef",
    "targetRef", "childLaneSet",
}
EVENT_DEFINITIONS_OK = {"timerEventDefinition"}


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
    user_tasks: dict[str, UserTaskInfo] = field(default_factory=dict)
    decision_ids: set[str] = field(default_factory=set)


class DiagramError(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def _problem(message: str, line: int | None = None, element: str | None = None) -> dict:
    return {"message": message, "line": line, "element": element}


class _StopScan(Exception):
    pass


def _doctype_line(xml: bytes) -> int | None:
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
    return found[0] if found else None


def parse_xml(xml: bytes | str) -> etree._Element:
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    doctype_line = _doctype_line(xml)
    if doctype_line is not None:
        raise DiagramError([_problem("不允许 DOCTYPE/实体声明 / DOCTYPE and entities are not allowed",
                                     doctype_line)])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        raise DiagramError([_problem(f"XML 解析错误 / parse error: {exc.msg}", exc.lineno)])
    if root.getroottree().docinfo.doctype:
        raise DiagramError([_problem("不允许 DOCTYPE/实体声明 / DOCTYPE and entities are not allowed", 1)])
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
        problems.append(_problem("DMN 文件中没有决策表 / no decision in the DMN document", root.sourceline))

    def text_of(node):
        text_node = node.find(f"{{{ns}}}text")
        return (text_node.text or "").strip() if text_node is not None else ""

    for decision in root.iter(f"{{{ns}}}decision"):
        problems += _length_problems(decision)
    for table in root.iter(f"{{{ns}}}decisionTable"):
        inputs = [text_of(i.find(f"{{{ns}}}inputExpression")) if i.find(f"{{{ns}}}inputExpression")
                  is not None else "" for i in table.iterfind(f"{{{ns}}}input")]
        samples = [_sample(i.find(f"{{{ns}}}inputExpression")) for i in table.iterfind(f"{{{ns}}}input")]
        for expr, node in zip(inputs, table.iterfind(f"{{{ns}}}input")):
            if expr:
                problems += _expression_problems(expr, node, node.get("id"))
        for rule in table.iterfind(f"{{{ns}}}rule"):
            for column, entry in enumerate(rule.iterfind(f"{{{ns}}}inputEntry")):
                cell = text_of(entry)
                if not cell or cell == "-":
                    continue
                input_expr = inputs[column] if column < len(inputs) else "dmninput"
                candidates = [cell.replace("?", "(dmninput)")] if "?" in cell else [cell, input_expr + cell]
                found = _first_valid(candidates, entry, rule.get("id"))
                problems += found or _trial_problems(
                    cell, samples[column] if column < len(samples) else None, entry, rule.get("id"))
            for entry in rule.iterfind(f"{{{ns}}}outputEntry"):
                cell = text_of(entry)
                if cell:
                    found = _expression_problems(cell, entry, rule.get("id"))
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
        return [_problem(f"决策表单元格无法计算 / cell {cell!r} cannot be evaluated: "
                         f"{type(exc).__name__}: {exc}", el.sourceline, element_id)]
    return []


MAX_NAME_LENGTH = 200  # ids become process ids and task names, names titles (String(200) columns)


def _length_problems(el) -> list[dict]:
    problems = []
    for attribute in ("id", "name"):
        value = el.get(attribute) or ""
        if len(value) > MAX_NAME_LENGTH:
            problems.append(_problem(f"{attribute} 超过 {MAX_NAME_LENGTH} 个字符 / {attribute} longer "
                                     f"than {MAX_NAME_LENGTH} characters", el.sourceline,
                                     (el.get("id") or "")[:60] or None))
    return problems


def _first_valid(candidates, el, element_id) -> list[dict]:
    last = []
    for text in candidates:
        try:
            check_expression(text)
            return []
        except SyntaxError as exc:
            last = [_problem(f"表达式语法错误 / syntax error {text!r}: {exc.msg}", el.sourceline, element_id)]
        except UnsafeExpression as exc:
            return [_problem(f"不允许的表达式 / disallowed expression {text!r}: {exc}", el.sourceline, element_id)]
    return last


def _check_process_tree(proc, roles, forms, operations) -> list[dict]:
    problems = []
    pid = proc.get("id")
    lane_of = {}
    for el in proc.iter():
        if isinstance(el.tag, str):
            problems += _length_problems(el)
    for lane in proc.iter(f"{{{BPMN_NS}}}lane"):
        name = lane.get("name") or ""  # exact: the engine matches lanes to roles unstripped
        if name not in roles:
            problems.append(_problem(f"泳道“{name}”不是角色 / lane names no role: {name!r}",
                                     lane.sourceline, lane.get("id")))
        for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = name
    for el in proc.iter():
        if not isinstance(el.tag, str):
            continue
        q = etree.QName(el)
        if q.namespace == BPMN_NS and q.localname.endswith("EventDefinition") \
                and q.localname not in EVENT_DEFINITIONS_OK:
            problems.append(_problem(f"不支持的元素 / unsupported element: {q.localname}",
                                     el.sourceline, el.getparent().get("id")))
        elif q.namespace == BPMN_NS and q.localname not in SUPPORTED and el is not proc:
            problems.append(_problem(f"不支持的元素 / unsupported element: {q.localname}",
                                     el.sourceline, el.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}userTask"):
        for prop in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
            if prop.get("name") == "form" and prop.get("value") not in forms:
                problems.append(_problem(f"表单不存在 / form does not exist: {prop.get('value')!r}",
                                         el.sourceline, el.get("id")))
            if prop.get("name") == "due_working_days" and not (prop.get("value") or "").isdigit():
                problems.append(_problem("due_working_days 必须是整数 / must be an integer",
                                         el.sourceline, el.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}serviceTask"):
        ops = el.findall("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        for op in ops:
            if op.get("id") not in operations:
                problems.append(_problem(f"未注册的服务操作 / unknown service operation: {op.get('id')!r}",
                                         el.sourceline, el.get("id")))
        for param in el.iterfind(".//spiffworkflow:parameter", NS):
            problems += _expression_problems(param.get("value") or "", param, el.get("id"))
    for el in proc.iter(f"{{{BPMN_NS}}}conditionExpression", f"{{{BPMN_NS}}}timeDuration",
                        f"{{{BPMN_NS}}}timeDate", f"{{{BPMN_NS}}}timeCycle"):
        problems += _expression_problems(el.text or "", el, el.getparent().get("id"))
    for el in proc.iter(f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
        try:
            check_script(el.text or "")
        except (SyntaxError, UnsafeExpression) as exc:
            problems.append(_problem(f"不允许的脚本 / disallowed script: {exc}", el.sourceline,
                                     el.getparent().get("id")))
    if not list(proc.iter(f"{{{BPMN_NS}}}startEvent")):
        problems.append(_problem(f"流程 {pid} 没有开始事件 / no start event", proc.sourceline, pid))
    return problems


def _expression_problems(text, el, element_id) -> list[dict]:
    try:
        check_expression(text.strip() or "True")
        return []
    except (SyntaxError, UnsafeExpression) as exc:
        return [_problem(f"不允许的表达式 / disallowed expression {text.strip()!r}: {exc}",
                         el.sourceline, element_id)]


def _user_task_info(spec, lane_roles) -> dict[str, UserTaskInfo]:
    infos = {}
    for name, ts in spec.task_specs.items():
        if not getattr(ts, "manual", False):
            continue
        props = (getattr(ts, "extensions", None) or {}).get("properties", {})
        lane = getattr(ts, "lane", None)
        role = lane if lane in lane_roles and lane != "applicant" else None
        due = props.get("due_working_days")
        infos[name] = UserTaskInfo(name=name, title=ts.bpmn_name or name, role=role,
                                   form=props.get("form"), due_working_days=int(due) if due else None)
    return infos


def compile_process(bpmn_root, dmn_roots: list, *, roles, forms, operations) -> CompiledProcess:
    """Check a BPMN document (with the DMN documents it may call) and build its spec.

    Raises DiagramError listing every problem found."""
    problems: list[dict] = []
    processes = bpmn_root.findall("bpmn:process", NS)
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"] or processes
    if len(executable) != 1:
        problems.append(_problem("文件必须只包含一个可执行流程 / exactly one executable process expected",
                                 bpmn_root.sourceline))
    for proc in processes:
        problems += _check_process_tree(proc, roles, forms, operations)
    if problems:
        raise DiagramError(problems)
    proc = executable[0]
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        for root in dmn_roots:
            parser.add_dmn_xml(root)
        parser.add_bpmn_xml(bpmn_root, filename=f"{proc.get('id')}.bpmn")
        spec = parser.get_spec(proc.get("id"))
        subprocess_specs = parser.get_subprocess_specs(proc.get("id"))
    except ValidationException as exc:
        raise DiagramError([_problem(f"流程校验失败 / invalid diagram: {exc}",
                                     getattr(exc, "line_number", None), getattr(exc, "id", None))])
    except Exception as exc:  # the library raises plain errors for some malformed input
        raise DiagramError([_problem(f"流程解析失败 / cannot build the diagram: {exc}")])
    decisions = {el.text.strip() for el in proc.iter(f"{{{SPIFF_NS}}}calledDecisionId") if el.text}
    return CompiledProcess(process_id=proc.get("id"), name=proc.get("name") or proc.get("id"),
                           spec=spec, subprocess_specs=subprocess_specs,
                           user_tasks=_user_task_info(spec, roles), decision_ids=decisions)


def referenced_decisions(bpmn_root) -> set[str]:
    return {el.text.strip() for el in bpmn_root.iter(f"{{{SPIFF_NS}}}calledDecisionId") if el.text}


def process_ids(bpmn_root) -> list[str]:
    return [p.get("id") for p in bpmn_root.findall("bpmn:process", NS)]

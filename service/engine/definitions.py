"""Parse and check BPMN/DMN documents; report every problem at once.

XML is parsed by us with entity expansion, DTDs and network access off, and the parsed tree is
handed to SpiffWorkflow (its own `add_bpmn_str` would use lxml's permissive defaults)."""
from __future__ import annotations

import ast
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

# What SpiffWorkflow 3.2 runs: every flow node its parser knows (tasks of every kind, embedded
# and called sub-processes, transactions, all gateways but the complex one, events). What it
# does not run is refused at deploy rather than failing on a citizen's case later: complex
# gateways (no parser), link and compensation events (parsed as plain events: they would run
# with the wrong meaning), choreographies.
UNSUPPORTED = {
    "complexGateway": "复杂网关（complexGateway）引擎不支持",
    "linkEventDefinition": "链接事件（linkEventDefinition）引擎不支持",
    "compensateEventDefinition": "补偿事件（compensateEventDefinition）引擎不支持",
    "choreographyTask": "编排任务（choreographyTask）引擎不支持",
    "subChoreography": "子编排（subChoreography）引擎不支持",
    "callChoreography": "调用编排（callChoreography）引擎不支持",
    "dataStoreReference": "数据存储（dataStoreReference）引擎不支持",
}
FLOW_NODES = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "serviceTask", "scriptTask", "businessRuleTask", "sendTask",
    "receiveTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway",
}
CONTAINERS = {"process", "subProcess", "transaction", "adHocSubProcess"}
GATEWAYS_WITH_CONDITIONS = {"exclusiveGateway", "inclusiveGateway"}
# Text the engine evaluates as an expression (the restricted evaluator runs it in any case;
# checking at deploy reports it early, with its line).
EXPRESSION_TAGS = [f"{{{BPMN_NS}}}{t}" for t in (
    "conditionExpression", "timeDuration", "timeDate", "timeCycle", "loopCardinality",
    "completionCondition", "loopCondition", "condition")] + [
    f"{{{SPIFF_NS}}}messagePayload"]
SCRIPT_TAGS = [f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"]


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


class DiagramError(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def _problem(message: str, line: int | None = None, element: str | None = None) -> dict:
    # SpiffWorkflow's exceptions carry '' where they know no line or id
    return {"message": message, "line": line if isinstance(line, int) and line > 0 else None,
            "element": str(element)[:200] if element else None}


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


def _local(el) -> str | None:
    if not isinstance(el.tag, str):
        return None
    q = etree.QName(el)
    return q.localname if q.namespace == BPMN_NS else None


def _check_process_tree(proc, roles, forms, operations, callable_ids) -> list[dict]:
    problems = []
    pid = proc.get("id")
    for el in proc.iter():
        if isinstance(el.tag, str):
            problems += _length_problems(el)
    for lane in proc.iter(f"{{{BPMN_NS}}}lane"):
        if lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None:
            continue  # a parent lane: its child lanes name the roles
        name = lane.get("name") or ""  # exact: the engine matches lanes to roles unstripped
        if name not in roles:
            problems.append(_problem(f"泳道“{name}”不是角色 / lane names no role: {name!r}",
                                     lane.sourceline, lane.get("id")))
    for el in proc.iter():
        local = _local(el)
        if local in UNSUPPORTED:
            owner = el if local in FLOW_NODES or not local.endswith("EventDefinition") else el.getparent()
            problems.append(_problem(f"不支持的元素 / unsupported element: {local}：{UNSUPPORTED[local]}",
                                     el.sourceline, owner.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        for prop in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
            if prop.get("name") == "form" and prop.get("value") not in forms:
                problems.append(_problem(f"表单不存在 / form does not exist: {prop.get('value')!r}",
                                         el.sourceline, el.get("id")))
            if prop.get("name") == "due_working_days" and not (prop.get("value") or "").isdigit():
                problems.append(_problem("due_working_days 必须是整数 / must be an integer",
                                         el.sourceline, el.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}serviceTask"):
        ops = el.findall("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if not ops:
            problems.append(_problem("服务任务未指定服务操作 / service task names no operation",
                                     el.sourceline, el.get("id")))
        for op in ops:
            if not op.get("id"):
                problems.append(_problem("服务任务未指定服务操作 / service task names no operation",
                                         el.sourceline, el.get("id")))
            elif op.get("id") not in operations:
                problems.append(_problem(f"未注册的服务操作 / unknown service operation: {op.get('id')!r}",
                                         el.sourceline, el.get("id")))
        for param in el.iterfind(".//spiffworkflow:parameter", NS):
            problems += _expression_problems(param.get("value") or "", param, el.get("id"))
    for el in proc.iter(f"{{{BPMN_NS}}}callActivity"):
        called = el.get("calledElement") or ""
        if called not in callable_ids:
            problems.append(_problem(f"调用活动引用的流程“{called}”未部署 / call activity names no "
                                     f"deployed process: {called!r}", el.sourceline, el.get("id")))
    for el in proc.iter(*EXPRESSION_TAGS):
        owner = next((a for a in el.iterancestors() if a.get("id")), proc)
        problems += _expression_problems(el.text or "", el, owner.get("id"))
    for el in proc.iter(*SCRIPT_TAGS):
        try:
            check_script(el.text or "")
        except (SyntaxError, UnsafeExpression) as exc:
            problems.append(_problem(f"不允许的脚本 / disallowed script: {exc}", el.sourceline,
                                     el.getparent().get("id")))
    if not list(proc.iter(f"{{{BPMN_NS}}}startEvent")):
        problems.append(_problem(f"流程 {pid} 没有开始事件 / no start event", proc.sourceline, pid))
    for container in [proc, *(el for el in proc.iter() if _local(el) in CONTAINERS - {"process"})]:
        problems += _flow_problems(container)
    return problems


def _flow_problems(container) -> list[dict]:
    """Within one process or sub-process: nodes no start can reach, and diverging gateways
    with neither a default flow nor conditions that cover every case."""
    nodes = {el.get("id"): el for el in container if _local(el) in FLOW_NODES and el.get("id")}
    flows = [el for el in container if _local(el) == "sequenceFlow"]
    outgoing: dict[str, list] = {}
    has_incoming = set()
    for flow in flows:
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        has_incoming.add(flow.get("targetRef"))
    starts = [i for i, el in nodes.items() if _local(el) == "startEvent"]
    entries = set(starts) if starts else {i for i in nodes if i not in has_incoming
                                         and _local(nodes[i]) != "boundaryEvent"}
    for node_id, el in nodes.items():
        if el.get("triggeredByEvent") == "true" or el.get("isForCompensation") == "true":
            entries.add(node_id)
    boundary = {}
    for node_id, el in nodes.items():
        if _local(el) == "boundaryEvent":
            boundary.setdefault(el.get("attachedToRef"), []).append(node_id)
    reached, todo = set(), list(entries)
    while todo:
        node_id = todo.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        todo += [f.get("targetRef") for f in outgoing.get(node_id, [])]
        todo += boundary.get(node_id, [])
    problems = []
    for node_id, el in nodes.items():
        if node_id not in reached:
            problems.append(_problem(f"无法从开始事件到达该节点 / unreachable from the start: {node_id}",
                                     el.sourceline, node_id))
    for node_id, el in nodes.items():
        out = outgoing.get(node_id, [])
        if _local(el) not in GATEWAYS_WITH_CONDITIONS or len(out) < 2 or el.get("default"):
            continue
        bare = [f for f in out if _condition_text(f) is None]
        if bare:
            problems.append(_problem(
                f"网关没有默认流，出口 {', '.join(f.get('id') or '?' for f in bare)} 缺少条件 / "
                f"gateway without default has outgoing flows without condition",
                el.sourceline, node_id))
        elif not _complete([_condition_text(f) for f in out]):
            problems.append(_problem(
                "网关没有默认流，且条件不能覆盖所有情况（请设默认流）/ gateway has no default flow and "
                "its conditions are not complete", el.sourceline, node_id))
    return problems


def _condition_text(flow) -> str | None:
    cond = flow.find(f"{{{BPMN_NS}}}conditionExpression")
    text = (cond.text or "").strip() if cond is not None else ""
    return text or None


_COMPLEMENT = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt,
               ast.Gt: ast.LtE, ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In,
               ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _negation(node) -> str | None:
    """ast.dump of the logical negation of a condition, when it is plain to see."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return ast.dump(node.operand)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPLEMENT:
        return ast.dump(ast.Compare(node.left, [_COMPLEMENT[type(node.ops[0])]()], node.comparators))
    return ast.dump(ast.UnaryOp(ast.Not(), node))


def _complete(conditions: list[str]) -> bool:
    """Conditions that plainly cover every case: one is `True`, or one is the negation of
    another (`x` / `not x`, `a >= b` / `a < b`). Anything else needs a default flow."""
    try:
        trees = [ast.parse(c, mode="eval").body for c in conditions]
    except SyntaxError:
        return True  # reported as a syntax error already
    dumps = {ast.dump(t) for t in trees}
    if any(isinstance(t, ast.Constant) and t.value is True for t in trees):
        return True
    return any(_negation(t) in dumps for t in trees)


def _expression_problems(text, el, element_id) -> list[dict]:
    try:
        check_expression(text.strip() or "True")
        return []
    except SyntaxError as exc:
        return [_problem(f"表达式语法错误 / syntax error {text.strip()!r}: {exc.msg}",
                         el.sourceline, element_id)]
    except UnsafeExpression as exc:
        return [_problem(f"不允许的表达式 / disallowed expression {text.strip()!r}: {exc}",
                         el.sourceline, element_id)]


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
        return None, [_problem("文件中没有流程 / no process in the document", bpmn_root.sourceline)]
    not_executable = [p for p in processes if p.get("isExecutable", "true") == "false"]
    if not_executable:
        # Also beside an executable one: deploying would silently drop it.
        return None, [_problem(
            "流程标记为不可执行（isExecutable=\"false\"），引擎不会运行它；请改为 isExecutable=\"true\" / "
            "the process is marked isExecutable=\"false\"", p.sourceline, p.get("id")) for p in not_executable]
    executable = processes
    called = called_process_ids(bpmn_root)
    mains = [p for p in executable if p.get("id") not in called] or executable
    if len(mains) != 1:
        return None, [_problem("文件必须只包含一个可执行的主流程（其他流程须由它调用）/ exactly one "
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


def _call_cycles(main, bpmn_root, called_roots) -> list[dict]:
    """A process that calls itself, directly or through others, would start sub-workflows
    without end: refused."""
    calls = {}
    for root in [*called_roots, bpmn_root]:  # this document's processes win
        for proc in root.findall("bpmn:process", NS):
            calls[proc.get("id")] = proc
    path, seen = [], set()

    def visit(proc):
        pid = proc.get("id")
        if pid in path:
            return path[path.index(pid):] + [pid]
        if pid in seen:
            return None
        seen.add(pid)
        path.append(pid)
        for activity in proc.iter(f"{{{BPMN_NS}}}callActivity"):
            target = calls.get(activity.get("calledElement"))
            if target is not None:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        return None
    cycle = visit(main)
    if not cycle:
        return []
    caller = next((a for a in calls[cycle[-2]].iter(f"{{{BPMN_NS}}}callActivity")
                   if a.get("calledElement") == cycle[-1]), None)
    return [_problem(f"调用活动形成循环：{' → '.join(cycle)} / call activities form a cycle",
                     caller.sourceline if caller is not None else None,
                     caller.get("id") if caller is not None else None)]


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
        problems += _check_process_tree(proc, roles, forms, operations, callable_ids)
    problems += _call_cycles(main, bpmn_root, called_roots)
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
        raise DiagramError([_problem(f"流程校验失败 / invalid diagram: {exc}",
                                     getattr(exc, "line_number", None), getattr(exc, "id", None))])
    except Exception as exc:  # the library raises plain errors for some malformed input
        raise DiagramError([_problem(f"流程解析失败 / cannot build the diagram: {exc}")])
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

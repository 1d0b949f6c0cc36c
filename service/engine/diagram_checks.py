"""The checks a BPMN process passes before it is deployed, beyond SpiffWorkflow's own parser:
elements the engine cannot run, lanes naming no role, unknown forms and operations, unsafe
expressions and scripts, unreachable nodes, incomplete gateways, call activities naming no
process or calling in a cycle, timers and multi-instance counts out of bounds. Each returns
every problem it finds, with element id and line."""
from __future__ import annotations

import ast

from lxml import etree

from .bpmn_xml import BPMN_NS, NS, SPIFF_NS, problem
from .run_limits import cardinality_problem, timer_value_problem
from .safe_eval import UnsafeExpression, check_expression, check_script, safe_eval

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
    "completionCondition", "loopCondition", "condition")]
# Expressions anywhere in the document, also outside <process>: payloads of the signals, errors,
# escalations and messages declared at the top, and message correlations.
DOCUMENT_EXPRESSION_TAGS = [f"{{{SPIFF_NS}}}{t}" for t in (
    "payloadExpression", "messagePayload", "expression")] + [
    f"{{{BPMN_NS}}}{t}" for t in ("messagePath", "formalExpression")]
# Tags only meant as expressions under these parents.
_EXPRESSION_PARENT = {"expression": "processVariableCorrelation",
                      "formalExpression": "correlationPropertyRetrievalExpression"}
# Expressions whose value the engine loops over: the literal ones are evaluated at deploy.
BOUNDED_TAGS = {"timeDuration", "timeDate", "timeCycle", "loopCardinality"}
SCRIPT_TAGS = [f"{{{BPMN_NS}}}script", f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"]


MAX_NAME_LENGTH = 200  # ids become process ids and task names, names titles (String(200) columns)


def length_problems(el) -> list[dict]:
    problems = []
    for attribute in ("id", "name"):
        value = el.get(attribute) or ""
        if len(value) > MAX_NAME_LENGTH:
            problems.append(problem(f"{attribute} 超过 {MAX_NAME_LENGTH} 个字符 / {attribute} longer "
                                     f"than {MAX_NAME_LENGTH} characters", el.sourceline,
                                     (el.get("id") or "")[:60] or None))
    return problems


def shown(text: str) -> str:
    """An expression as a message quotes it: at most 120 characters."""
    text = text.strip()
    return repr(text if len(text) <= 120 else text[:120] + "…")


def first_valid(candidates, el, element_id) -> list[dict]:
    last = []
    for text in candidates:
        try:
            check_expression(text)
            return []
        except SyntaxError as exc:
            last = [problem(f"表达式语法错误 / syntax error {shown(text)}: {exc.msg}", el.sourceline,
                            element_id)]
        except UnsafeExpression as exc:
            return [problem(f"不允许的表达式 / disallowed expression {shown(text)}: {exc}",
                            el.sourceline, element_id)]
    return last


def _local(el) -> str | None:
    if not isinstance(el.tag, str):
        return None
    q = etree.QName(el)
    return q.localname if q.namespace == BPMN_NS else None


def check_process_tree(proc, roles, forms, operations, callable_ids) -> list[dict]:
    problems = []
    pid = proc.get("id")
    for el in proc.iter():
        if isinstance(el.tag, str):
            problems += length_problems(el)
    for lane in proc.iter(f"{{{BPMN_NS}}}lane"):
        if lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None:
            continue  # a parent lane: its child lanes name the roles
        name = lane.get("name") or ""  # exact: the engine matches lanes to roles unstripped
        if name not in roles:
            problems.append(problem(f"泳道“{name}”不是角色 / lane names no role: {name!r}",
                                     lane.sourceline, lane.get("id")))
    for el in proc.iter():
        local = _local(el)
        if local in UNSUPPORTED:
            owner = el if local in FLOW_NODES or not local.endswith("EventDefinition") else el.getparent()
            problems.append(problem(f"不支持的元素 / unsupported element: {local}：{UNSUPPORTED[local]}",
                                     el.sourceline, owner.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
        for prop in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
            if prop.get("name") == "form" and prop.get("value") not in forms:
                problems.append(problem(f"表单不存在 / form does not exist: {prop.get('value')!r}",
                                         el.sourceline, el.get("id")))
            if prop.get("name") == "due_working_days" and not (prop.get("value") or "").isdigit():
                problems.append(problem("due_working_days 必须是整数 / must be an integer",
                                         el.sourceline, el.get("id")))
    for el in proc.iter(f"{{{BPMN_NS}}}serviceTask"):
        ops = el.findall("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
        if not ops:
            problems.append(problem("服务任务未指定服务操作 / service task names no operation",
                                     el.sourceline, el.get("id")))
        for op in ops:
            if not op.get("id"):
                problems.append(problem("服务任务未指定服务操作 / service task names no operation",
                                         el.sourceline, el.get("id")))
            elif op.get("id") not in operations:
                problems.append(problem(f"未注册的服务操作 / unknown service operation: {op.get('id')!r}",
                                         el.sourceline, el.get("id")))
        for param in el.iterfind(".//spiffworkflow:parameter", NS):
            problems += expression_problems(param.get("value") or "", param, el.get("id"))
    for el in proc.iter(f"{{{BPMN_NS}}}callActivity"):
        called = el.get("calledElement") or ""
        if called not in callable_ids:
            problems.append(problem(f"调用活动引用的流程“{called}”未部署 / call activity names no "
                                     f"deployed process: {called!r}", el.sourceline, el.get("id")))
    for el in proc.iter(*EXPRESSION_TAGS):
        owner = next((a for a in el.iterancestors() if a.get("id")), proc)
        found = expression_problems(el.text or "", el, owner.get("id"))
        if not found and etree.QName(el).localname in BOUNDED_TAGS:
            found = bound_problems(el, owner.get("id"))
        problems += found
    for el in proc.iter(*SCRIPT_TAGS):
        try:
            check_script(el.text or "")
        except (SyntaxError, UnsafeExpression) as exc:
            problems.append(problem(f"不允许的脚本 / disallowed script: {exc}", el.sourceline,
                                     el.getparent().get("id")))
    if not list(proc.iter(f"{{{BPMN_NS}}}startEvent")):
        problems.append(problem(f"流程 {pid} 没有开始事件 / no start event", proc.sourceline, pid))
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
            problems.append(problem(f"无法从开始事件到达该节点 / unreachable from the start: {node_id}",
                                     el.sourceline, node_id))
    for node_id, el in nodes.items():
        out = outgoing.get(node_id, [])
        if _local(el) not in GATEWAYS_WITH_CONDITIONS or len(out) < 2 or el.get("default"):
            continue
        bare = [f for f in out if _condition_text(f) is None]
        if bare:
            problems.append(problem(
                f"网关没有默认流，出口 {', '.join(f.get('id') or '?' for f in bare)} 缺少条件 / "
                f"gateway without default has outgoing flows without condition",
                el.sourceline, node_id))
        elif not _complete([_condition_text(f) for f in out]):
            problems.append(problem(
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
        dumps = {ast.dump(t) for t in trees}
        if any(isinstance(t, ast.Constant) and t.value is True for t in trees):
            return True
        return any(_negation(t) in dumps for t in trees)
    except (SyntaxError, RecursionError, MemoryError):
        return True  # reported as a syntax error or as too deep already


def expression_problems(text, el, element_id) -> list[dict]:
    try:
        check_expression(text.strip() or "True")
        return []
    except SyntaxError as exc:
        return [problem(f"表达式语法错误 / syntax error {shown(text)}: {exc.msg}",
                         el.sourceline, element_id)]
    except UnsafeExpression as exc:
        return [problem(f"不允许的表达式 / disallowed expression {shown(text)}: {exc}",
                         el.sourceline, element_id)]


def bound_problems(el, element_id) -> list[dict]:
    """A timer or loop cardinality that reads no case data is evaluated now and refused when the
    engine could not use it or would loop too long over it (run_limits.py); one that reads case
    data is checked when the engine evaluates it."""
    text = (el.text or "").strip()
    if not text:
        return []
    try:
        value = safe_eval(text, {})
    except NameError:
        return []
    except Exception as exc:  # noqa: BLE001 - it would fail the same way on every case
        return [problem(f"表达式无法计算 / expression {shown(text)} cannot be evaluated: "
                         f"{type(exc).__name__}: {exc}", el.sourceline, element_id)]
    kind = etree.QName(el).localname
    found = cardinality_problem(value) if kind == "loopCardinality" else timer_value_problem(kind, value)
    return [problem(found, el.sourceline, element_id)] if found else []


def document_expression_problems(root) -> list[dict]:
    """Expressions outside the processes (and message correlations anywhere in the document)."""
    problems = []
    for el in root.iter(*DOCUMENT_EXPRESSION_TAGS):
        parent = _EXPRESSION_PARENT.get(etree.QName(el).localname)
        if parent is not None and etree.QName(el.getparent()).localname != parent:
            continue
        owner = next((a for a in el.iterancestors() if a.get("id")), None)
        problems += expression_problems(el.text or "", el, owner.get("id") if owner is not None else None)
    return problems


def call_cycles(main, bpmn_root, called_roots) -> list[dict]:
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
    return [problem(f"调用活动形成循环：{' → '.join(cycle)} / call activities form a cycle",
                     caller.sourceline if caller is not None else None,
                     caller.get("id") if caller is not None else None)]

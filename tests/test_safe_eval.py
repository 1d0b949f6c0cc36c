"""Restricted evaluator: allowed expressions work, escapes are refused before running."""
import json
from types import SimpleNamespace

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from talentflow.engine.safe_eval import (
    SAFE_BUILTINS, RestrictedEnvironment, RestrictedScriptEngine, UnsafeExpression,
    check_expression, check_script, safe_eval, safe_exec,
)

DATA = {
    'unit_review': {'decision': 'approve'}, 'eligibility': {'eligible': False},
    'shortage_exception': False, 'x': 'a', 'items': [1, 2, 3], 'd': {'k': 'v'},
    'name': ' Zhang ', 'n': 5,
}


@pytest.mark.parametrize('source, expected', [
    ("unit_review['decision'] == 'approve'", True),
    ("not eligibility['eligible'] and not shortage_exception", True),
    ("x in ('a','b')", True),
    ("x not in ['a']", False),
    ("len(items) > 1", True),
    ("d.get('k')", 'v'),
    ("d.get('missing', 0) + 1", 1),
    ("round(1000*0.6)", 600),
    ("sorted(d.keys())[0]", 'k'),
    ("name.strip().lower().startswith('zh')", True),
    ("max(items) if n > 3 else min(items)", 3),
    ("items[1:] == [2, 3] and items[-1] == 3", True),
    ("sum(items) ** 2", 36),
    ("'ab' * 3", 'ababab'),
    ("[0] * 2", [0, 0]),
    ("sorted(items, reverse=True)", [3, 2, 1]),
    ("{'a': 1, 'b': {2, 3}}['a'] is not None", True),
    ("\n   'P7D'\n  ", 'P7D'),  # BPMN XML indents expression text
])
def test_allowed_expressions(source, expected):
    assert safe_eval(source, dict(DATA)) == expected


def test_extra_functions_are_callable_only_when_given():
    assert safe_eval("double(n)", dict(DATA), {'double': lambda v: v * 2}) == 10
    with pytest.raises(UnsafeExpression):
        safe_eval("double(n)", dict(DATA))


def test_script_assigns_into_namespace():
    names = {'n': 5, 'd': {}}
    safe_exec("outcome = 'rejected'\n"
              "if n > 3:\n    size = 'big'\nelse:\n    size = 'small'\n"
              "d['k'] = n\nn += 1\npass\nf = len\n", names)
    assert names == {'n': 6, 'd': {'k': 5}, 'outcome': 'rejected', 'size': 'big'}
    assert '__builtins__' not in names  # and `f = len` was not left in task data


def test_script_read_only_names_are_not_written_back():
    names = {}
    safe_exec("total = base + 1", names, read_only={'base': 41})
    assert names == {'total': 42}


UNSAFE_EXPRESSIONS = [
    "__import__('os').system('touch {marker}')",
    "().__class__.__base__.__subclasses__()",
    "open('{marker}', 'w').write('x')",
    "open('/etc/passwd').read()",
    "[c for c in ().__class__.__bases__]",
    "{{c: 1 for c in 'ab'}}",
    "list(c for c in 'ab')",
    "(lambda: 1)()",
    "getattr(1, '__class__')",
    "eval('1')",
    "exec('x=1')",
    "globals()",
    "vars()",
    "x.__dict__",
    "x.format",
    "x.format(1)",
    "d.get",
    "sorted(items, key=d.get)",
    "'a' * 10**9",
    "'a' * n",
    "'a' * 1000 * 1000",
    "9 ** 9 ** 9",
    "n ** n",
    "1 << 10**9",
    "'%0999999999d' % 1",
    "f'{x.__class__}'",
    "f'{x}'",
    "__builtins__",
    "__builtins__['open']",
    "_private",
    "d._x",
    "len(*items)",
    "dict(**d)",
    "{**d}",
    "(y := 1)",
    "b'bytes'",
    "items[0](1)",
    "...",
    "n" + " + 1" * 5000,  # over the length cap
]


@pytest.mark.parametrize('template', UNSAFE_EXPRESSIONS)
def test_unsafe_expressions_are_refused_without_effect(template, tmp_path):
    marker = tmp_path / 'pwned'
    source = template.format(marker=marker) if '{marker}' in template else template
    with pytest.raises(UnsafeExpression) as err:
        safe_eval(source, dict(DATA))
    assert '不允许' in str(err.value) and 'disallowed' in str(err.value)
    with pytest.raises(UnsafeExpression):
        check_expression(source)
    assert not marker.exists()


UNSAFE_SCRIPTS = [
    "import os\nos.system('touch {marker}')",
    "from os import system",
    "x = __import__('os').system('touch {marker}')",
    "def f():\n    pass",
    "class A:\n    pass",
    "for i in items:\n    pass",
    "while True:\n    pass",
    "with open('{marker}', 'w') as f:\n    pass",
    "try:\n    pass\nexcept Exception:\n    pass",
    "global x",
    "del x",
    "x.y = 1",
    "a, b = 1, 2",
    "__x = 1",
    "d['k'].v = 1",
    "n **= 9 ** 9",
    "s = 'a' * n",
    "if True:\n    import os",
    "outcome = 'ok'\nreturn",
    "assert False",
    "raise ValueError()",
]


@pytest.mark.parametrize('template', UNSAFE_SCRIPTS)
def test_unsafe_scripts_are_refused_without_effect(template, tmp_path):
    marker = tmp_path / 'pwned'
    source = template.format(marker=marker) if '{marker}' in template else template
    names = dict(DATA)
    with pytest.raises((UnsafeExpression, SyntaxError)):
        safe_exec(source, names)
    with pytest.raises((UnsafeExpression, SyntaxError)):
        check_script(source)
    assert names == DATA and not marker.exists()


def test_runtime_builtins_are_restricted():
    # Even a name the checker lets through as a value cannot find dangerous builtins.
    for name in ("type", "print", "input", "object"):
        with pytest.raises(NameError):
            safe_eval(name, {})
    assert 'open' not in SAFE_BUILTINS and '__import__' not in SAFE_BUILTINS


@pytest.mark.parametrize("source", [
    "min(['1'], key=exec)", "max(['x'], key=eval)", "sorted(['/etc/passwd'], key=open)",
    "x = getattr", "y = min([1], key=compile)", "vars", "globals"])
def test_names_of_code_running_builtins_are_refused_before_anything_runs(source):
    """A second wall behind the restricted builtins: where an evaluation ever met Python's own
    (a migration once reset tasks on SpiffWorkflow's engine), `key=exec` ran a string."""
    with pytest.raises(UnsafeExpression):
        safe_exec(source, {})


def test_validate_distinguishes_syntax_from_unsafe():
    engine = RestrictedScriptEngine()
    engine.validate("'a'")
    with pytest.raises(SyntaxError):
        engine.validate("> 45")
    with pytest.raises(UnsafeExpression):
        engine.validate("__import__('os')")


def test_engine_refuses_unrestricted_environment():
    from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
    with pytest.raises(TypeError):
        RestrictedScriptEngine(environment=TaskDataEnvironment())
    assert isinstance(RestrictedScriptEngine().environment, RestrictedEnvironment)


def test_call_service_delegates_and_propagates_errors():
    env = RestrictedEnvironment()
    engine = RestrictedScriptEngine(environment=env)
    task = SimpleNamespace(data={'a': 1})
    with pytest.raises(NotImplementedError):
        engine.call_service(task, operation_name='op', operation_params={})
    env.service_handler = lambda ctx, name, params: json.dumps([ctx['a'], name, params])
    assert engine.call_service(task, operation_name='op', operation_params={'p': 2}) \
        == json.dumps([1, 'op', {'p': 2}])

    class Boom(Exception):
        pass

    def fail(ctx, name, params):
        raise Boom('down')
    env.service_handler = fail
    with pytest.raises(Boom):  # unchanged, not NameError('script')
        engine.call_service(task, operation_name='op', operation_params={})


# --- through SpiffWorkflow -------------------------------------------------------------

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="script"/>
    <bpmn:scriptTask id="script">
      <bpmn:script>outcome = 'done'</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="script" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="f_no"/>
    <bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="timer">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no"/>
    <bpmn:intermediateCatchEvent id="timer">
      <bpmn:timerEventDefinition>
        <bpmn:timeDuration>"PT" + str(delay) + "S"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="timer" targetRef="rule"/>
    <bpmn:businessRuleTask id="rule">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>grading</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f4" sourceRef="rule" targetRef="end_yes"/>
    <bpmn:endEvent id="end_yes"/>
    <bpmn:endEvent id="end_no"/>
  </bpmn:process>
</bpmn:definitions>"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn_defs"
    name="grading" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="grading" name="Grading">
    <decisionTable id="table" hitPolicy="FIRST">
      <input id="in_age" label="Age">
        <inputExpression id="ie_age" typeRef="integer"><text>age</text></inputExpression>
      </input>
      <input id="in_grade" label="Grade">
        <inputExpression id="ie_grade" typeRef="string"><text>grade</text></inputExpression>
      </input>
      <output id="out" label="Track" name="track" typeRef="string"/>
      <rule id="r1">
        <inputEntry id="r1a"><text>&gt; 45</text></inputEntry>
        <inputEntry id="r1b"><text> in ('a','b')</text></inputEntry>
        <outputEntry id="r1o"><text>'senior'</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2a"><text>? &lt;= 45 and ? &gt;= 18</text></inputEntry>
        <inputEntry id="r2b"><text>'c'</text></inputEntry>
        <outputEntry id="r2o"><text>'regular-' + grade.upper()</text></outputEntry>
      </rule>
      <rule id="r3">
        <inputEntry id="r3a"><text></text></inputEntry>
        <inputEntry id="r3b"><text></text></inputEntry>
        <outputEntry id="r3o"><text>'other'</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""


def run_diagram(condition, data, dmn=DMN):
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.replace('{condition}', condition).encode())
    parser.add_dmn_str(dmn.encode())
    engine = RestrictedScriptEngine(environment=RestrictedEnvironment())
    wf = BpmnWorkflow(parser.get_spec('proc'), script_engine=engine)
    wf.task_tree.data.update(data)
    wf.do_engine_steps()
    wf.refresh_timers()  # the PT0S timer fires on refresh
    wf.do_engine_steps()
    return wf


@pytest.mark.parametrize('age, grade, track', [
    (50, 'a', 'senior'), (50, 'b', 'senior'), (30, 'c', 'regular-C'), (30, 'a', 'other'),
    (10, 'c', 'other'),
])
def test_bpmn_script_gateway_timer_and_dmn(age, grade, track):
    wf = run_diagram("outcome == 'done' and len(grade) &gt; 0",
                     {'age': age, 'grade': grade, 'delay': 0})
    assert wf.is_completed()
    assert wf.last_task.data['outcome'] == 'done'
    assert wf.last_task.data['track'] == track
    assert '__builtins__' not in wf.last_task.data


def test_bpmn_default_branch():
    wf = run_diagram("outcome == 'other'", {'age': 1, 'grade': 'a', 'delay': 0})
    assert wf.is_completed() and 'track' not in wf.last_task.data


def test_bpmn_unsafe_condition_fails_without_running(tmp_path):
    marker = tmp_path / 'pwned'
    with pytest.raises(WorkflowTaskException) as err:
        run_diagram(f"__import__('os').system('touch {marker}') == 0",
                    {'age': 50, 'grade': 'a', 'delay': 0})
    assert err.value.error_type == 'UnsafeExpression'
    assert not marker.exists()


def test_dmn_unsafe_cell_fails_without_running(tmp_path):
    marker = tmp_path / 'pwned'
    dmn = DMN.replace("'other'", f"open('{marker}', 'w').write('x')")
    with pytest.raises(WorkflowTaskException) as err:
        run_diagram("True", {'age': 1, 'grade': 'z', 'delay': 0}, dmn=dmn)
    assert err.value.error_type == 'UnsafeExpression'
    assert not marker.exists()

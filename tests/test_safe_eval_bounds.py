"""Short whitelisted expressions that used to run for minutes or take gigabytes, and the
engine loops a timer or a multi-instance count drove: each is refused quickly, in a forked child
with a time and memory limit (bounded_run.py) so a regression fails instead of hanging."""
import pytest
from bounded_run import bounded
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from talentflow.engine.safe_eval import (
    ExpressionTooDeep, RestrictedEnvironment, RestrictedScriptEngine, check_expression, safe_eval,
    safe_exec,
)

BUDGET = 5  # seconds, for what used to take minutes


def run_script(source, names=None):
    names = dict(names or {})
    safe_exec(source, names)
    return {k: v for k, v in names.items() if k == 'x'}


def refused(source, error='ValueTooLarge', names=None):
    (outcome, *detail), seconds = bounded(run_script, source, names)
    assert outcome == 'error' and detail[0] == error, (source[:80], outcome, detail)
    assert seconds < BUDGET, (source[:80], seconds)
    return detail[1]


SHARED = ("a = [0] * 1000\nb = [a, a, a, a, a, a, a, a, a, a]\nc = [b, b, b, b, b, b, b, b, b, b]\n"
          "d = [c, c, c, c, c, c, c, c, c, c]\ne = [d, d, d, d, d, d, d, d, d, d]\n")
STORED = "a = [0] * 1000\n" + "".join(
    f"{outer} = [0] * 10\n" + "".join(f"{outer}[{i}] = {inner}\n" for i in range(10))
    for inner, outer in (("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")))


@pytest.mark.parametrize('source', [
    "x = round(1, -10**9)",
    "x = round(1, 10**9)",
    "b = [0] * 1000\nx = [[[b] * 1000] * 1000] * 1000",
    "x = [[[[0]*1000]*1000]*1000]*1000 == [[[[0]*1000]*1000]*1000]*1000",
    "x = len(str([[[0]*1000]*1000]*1000))",
    "b = [[0] * 1000] * 100\nx = b + b + b + b + b + b + b + b + b + b + b + b + b + b",
    SHARED + "x = str(e)",
    SHARED + "x = e == [d, d, d, d, d, d, d, d, d, d]",
    STORED + "x = str(e)",
    "x = str('%1000000000d').strip() % 1",
    "f = '%100000000d'\nx = len(f % 1)",
    "f = '%*d'\nx = f % (10**9, 1)",
    "f = 'x%s'\nx = f % str([[0] * 1000] * 100)",
    "a = 'f' * 1000\nb = a * 10\nx = int(b, 16)",
    "a = [0]\na[0] = a",
    "a = [0]\n" + "a = [[[[[[[[[[[[[[[[[[[[a]]]]]]]]]]]]]]]]]]]]\n" * 10,
])
def test_unbounded_work_is_refused_quickly(source):
    message = refused(source)
    assert '流程脚本生成的数据过大' in message and 'over the limit' in message


def test_complex_numbers_are_refused():
    # case data is JSON: a complex number used to fail the save with a 500
    assert '复数' in refused("x = (-1) ** 0.5", 'LimitExceeded')
    assert safe_eval("2 ** 0.5 > 1.41 and (-2) ** 2 == 4", {})


def test_sum_adds_numbers_only():
    message = refused("b = [0] * 100\nx = sum([b] * 1000, [])", 'TypeError')
    assert 'sum()' in message
    assert safe_eval("sum(items) + sum([1.5, 2], 1)", {'items': [1, 2, 3]}) == 10.5


@pytest.mark.parametrize('source', [
    "+".join(["1"] * 4000) + " > 0",
    "not " * 2400 + "x",
    "-" * 9000 + "1",
    "x" + "[0]" * 3000,
])
def test_very_deep_expressions_are_refused_as_too_deep(source):
    (outcome, *detail), seconds = bounded(check_expression, source)
    assert (outcome, detail[0]) == ('error', 'ExpressionTooDeep'), detail
    assert '表达式过深或过长' in detail[1] and seconds < BUDGET
    with pytest.raises(ExpressionTooDeep):
        safe_eval(source, {'x': [0]})


@pytest.mark.parametrize('source, names, expected', [
    ("round(2.675, 2), round(1234, -2), round(1.5)", {}, (2.67, 1200, 2)),
    ("f % (x, s, n)", {'f': '%05.2f|%s|%d%%', 'x': 3.14159, 's': 'ab', 'n': 7}, '03.14|ab|7%'),
    ("f % d", {'f': '%(a)s-%(b)03d', 'd': {'a': '张', 'b': 5}}, '张-005'),
    ("n % 3 + x % 2", {'n': 7, 'x': 5.5}, 2.5),
    ("str(items) + str(d) + str(n)", {'items': [1, [2, 'a']], 'd': {'k': None}, 'n': 2 ** 100},
     "[1, [2, 'a']]{'k': None}1267650600228229401496703205376"),
    ("[items, items] + [n]", {'items': [1], 'n': 2}, [[1], [1], 2]),
    ("{'a': items, 'b': (n, n)}['b']", {'items': [1], 'n': 2}, (2, 2)),
    ("int('ff', 16) + int(s)", {'s': '12'}, 267),
    ("sorted(d.items())", {'d': {'b': 1, 'a': [2]}}, [('a', [2]), ('b', 1)]),
])
def test_ordinary_uses_still_work(source, names, expected):
    assert safe_eval(source, names) == expected


def test_ordinary_scripts_still_work():
    names = {'items': [1, 2], 'd': {'k': [1]}}
    safe_exec("total = []\ntotal += items\ntotal += [3]\nd['k'][0] += 5\nd['n'] = [d['k'], d['k']]\n"
              "rows = [0] * 1000\nrows[0] = items\nbig = [0] * 1000\nbig = big * 100\nbig2 = big[1:] + [1]\n"
              "s = 'a' * 1000\nf = '%s=%d'\nt = f % (s[:2], len(big2))", names)
    assert names['total'] == [1, 2, 3] and names['d'] == {'k': [6], 'n': [[6], [6]]}
    assert names['rows'][0] == [1, 2] and len(names['big2']) == 100000 and names['t'] == 'aa=100000'


# --- values the engine loops over, computed from case data --------------------------------

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="proc" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="node"/>
    {node}
    <bpmn:sequenceFlow id="f2" sourceRef="node" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""
TIMER = ('<bpmn:intermediateCatchEvent id="node"><bpmn:timerEventDefinition>'
         '<bpmn:{kind}>value</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')
MULTI = ('<bpmn:scriptTask id="node"><bpmn:multiInstanceLoopCharacteristics>'
         '<bpmn:loopCardinality>value</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>'
         '<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>')


def run_engine(node, value):
    """Run the one-node diagram with `value` in the case data: what stopped it, or its state."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(BPMN.replace('{node}', node).encode())
    wf = BpmnWorkflow(parser.get_spec('proc'),
                      script_engine=RestrictedScriptEngine(environment=RestrictedEnvironment()))
    wf.task_tree.data.update({'value': value})
    try:
        wf.do_engine_steps()
        wf.refresh_timers()
        wf.do_engine_steps()
    except Exception as exc:  # noqa: BLE001 - the test looks at what the engine wrapped
        inner = exc.__cause__ or exc.__context__ or exc
        return type(inner).__name__, str(inner)
    return 'completed' if wf.is_completed() else 'waiting'


@pytest.mark.parametrize('kind, value, message', [
    ('timeDuration', 'P999999999999M', '定时器时长超过 100 年'),
    ('timeDuration', 'P200Y', '定时器时长超过 100 年'),
    ('timeCycle', 'R5/2020-01-01T00:00:00/P999999999999M', '定时器时长超过 100 年'),
    ('timeCycle', 'R5/P999999999999M/2030-01-01T00:00:00', '定时器时长超过 100 年'),
    ('timeCycle', 'R/PT1S', '重复次数'),
    ('timeCycle', 'R100000/PT1S', '重复次数'),
    ('timeDate', '2999-01-01T00:00:00', '100 年之后'),
    ('timeDuration', 'soon', '不是有效'),
    ('timeDuration', 30, 'ISO 8601 文本'),
])
def test_timer_values_out_of_bounds_stop_the_step(kind, value, message):
    (outcome, *detail), seconds = bounded(run_engine, TIMER.format(kind=kind), value)
    assert outcome == 'ok' and detail[0][0] == 'LimitExceeded' and message in detail[0][1], detail
    assert seconds < BUDGET


@pytest.mark.parametrize('kind, value, states', [
    ('timeDuration', 'P3D', {'waiting'}), ('timeDuration', 'PT0S', {'completed'}),
    ('timeDuration', 'P99Y11M', {'waiting'}), ('timeDate', '2020-01-01T00:00:00', {'completed'}),
    ('timeDate', '2080-01-01T00:00:00', {'waiting'}),
    # a cycle fires once per refresh: whatever the library does, it is not refused
    ('timeCycle', 'R2/PT0S', {'waiting', 'completed'}),
    ('timeCycle', 'R1000/2020-01-01T00:00:00/P1M', {'waiting', 'completed'}),
])
def test_timer_values_in_bounds_run(kind, value, states):
    assert run_engine(TIMER.format(kind=kind), value) in states


@pytest.mark.parametrize('value, message', [(10 ** 9, '0 到 1000'), (-1, '0 到 1000'),
                                            ('3', '应为整数')])
def test_multi_instance_count_out_of_bounds_stops_the_step(value, message):
    (outcome, *detail), seconds = bounded(run_engine, MULTI, value)
    assert outcome == 'ok' and detail[0][0] == 'LimitExceeded' and message in detail[0][1], detail
    assert seconds < BUDGET


def test_multi_instance_count_in_bounds_runs():
    assert run_engine(MULTI, 3) == 'completed' and run_engine(MULTI, 1000) == 'completed'

"""Short whitelisted expressions that used to run for minutes or take gigabytes, and the
engine loops a timer or a multi-instance count drove: each is refused quickly, in a forked child
with a time and memory limit (bounded_run.py) so a regression fails instead of hanging."""
import pytest
from bounded_run import bounded

from talentflow.engine.safe_eval import safe_eval, safe_exec

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

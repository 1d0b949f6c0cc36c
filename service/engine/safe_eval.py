"""Restricted evaluation of diagram expressions and scripts.

SpiffWorkflow evaluates gateway conditions, DMN cells, timer expressions and script tasks
with plain eval/exec and full builtins (ENGINE-NOTES trap 3).  Diagrams are uploaded by
admins, so everything they contain is checked here against an AST whitelist *before* it is
compiled, and then run with a tiny builtins dict.  The whitelist, not the builtins dict, is the
security boundary: no imports, no dunder/underscore names, attribute access only as a call to a
few data methods, no lambdas/comprehensions/f-strings, calls only to known functions.

DoS guards: statically, `**` needs a small constant exponent and no `**` on its left
(`9 ** 9 ** 9`), repeating a str/list/tuple literal needs a small int constant (`'a' * 10**9`),
`%`-formatting of literals and bit shifts are refused, and an expression nests at most
MAX_EXPRESSION_DEPTH levels. Types are unknown statically, so every `+`, `*`, `**`, `%`, every
display holding variables and every subscript assignment is also compiled into a call of a
value_limits.Guard, which checks sizes *before* computing, and `round`, `sum`, `str`, `int` are
bounded versions (value_limits.py). There are no loops or comprehensions, so the work of one
expression or script is bounded by its (bounded) length. What a timer or a multi-instance
task asks of the engine is bounded in run_limits.py.
"""
import ast
import functools
import textwrap

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment

from .run_limits import evaluated_problem
from .value_limits import (MAX_INT_BITS, MAX_VALUE_SIZE, Guard, LimitExceeded,  # noqa: F401
                           ValueTooLarge, bound_tree, bounded_int, bounded_round, bounded_str,
                           bounded_sum)

MAX_SOURCE_LENGTH = 10_000
MAX_POW_EXPONENT = 100
MAX_REPEAT = 1_000
MAX_EXPRESSION_DEPTH = 100  # AST levels; the checks below recurse once or twice per level

SAFE_BUILTINS = {f.__name__: f for f in (len, min, max, abs, float, bool, any, all, sorted,
                                          bounded_round, bounded_int, bounded_str, bounded_sum)}
SAFE_BUILTINS.update({'True': True, 'False': False, 'None': None})
# Methods of dict/str values that neither mutate anything nor expose interpreter internals.
SAFE_METHODS = frozenset({'get', 'keys', 'values', 'items', 'lower', 'upper', 'strip',
                          'startswith', 'endswith'})

_CONSTANT_TYPES = (str, int, float, bool, type(None))
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE,
            ast.In, ast.NotIn, ast.Is, ast.IsNot)
# Friendlier names for constructs people actually try.
_LABELS = {'ImportFrom': 'import', 'ListComp': 'comprehension', 'SetComp': 'comprehension',
           'DictComp': 'comprehension', 'GeneratorExp': 'generator', 'JoinedStr': 'f-string',
           'NamedExpr': ':=', 'Starred': '*args', 'FunctionDef': 'def'}


class UnsafeExpression(ValueError):
    """An expression or script uses a construct outside the whitelist."""

    def __init__(self, construct, node=None):
        line = getattr(node, 'lineno', None)
        where = f' (line {line})' if line else ''
        super().__init__(f'表达式含有不允许的结构：{construct}{where} / '
                         f'disallowed construct in expression: {construct}{where}')
        self.construct = construct


class ExpressionTooDeep(UnsafeExpression):
    """Nested past what the checks (and Python's own parser and compiler) can walk."""

    def __init__(self):
        ValueError.__init__(self, f'表达式过深或过长（嵌套超过 {MAX_EXPRESSION_DEPTH} 层）/ '
                                  f'expression nested too deeply or too long '
                                  f'(over {MAX_EXPRESSION_DEPTH} levels)')
        self.construct = 'nesting'


def _check_depth(tree):
    todo = [(tree, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionTooDeep()
        todo += [(child, depth + 1) for child in ast.iter_child_nodes(node)]


# Builtins that run code or reach the interpreter. The evaluator never provides them (its
# builtins are SAFE_BUILTINS), so such a name is a mistake or an attack either way; refused
# at deploy, it cannot run even on a path that forgot the restricted engine (a migration's
# task reset once ran the new version's scripts on SpiffWorkflow's own: `key=exec`).
_CODE_NAMES = frozenset({'exec', 'eval', 'compile', 'open', 'getattr', 'setattr', 'delattr',
                         'globals', 'locals', 'vars', 'breakpoint', 'memoryview', 'exit', 'quit',
                         'help'})


def _name(name, node):
    if name.startswith('_') or name in _CODE_NAMES:
        raise UnsafeExpression(f"name '{name}'", node)


def _const(node, types):
    return isinstance(node, ast.Constant) and type(node.value) in types


def _sequence_like(node):
    """A str/list/tuple literal, or a sum/product built from one."""
    if _const(node, (str,)) or isinstance(node, (ast.List, ast.Tuple)):
        return True
    return (isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult))
            and (_sequence_like(node.left) or _sequence_like(node.right)))


def _check_binop(op, left, right, node):
    if not isinstance(op, _BIN_OPS):
        raise UnsafeExpression(f'operator {type(op).__name__}', node)
    if isinstance(op, ast.Pow):
        exp = right.operand if isinstance(right, ast.UnaryOp) else right  # allow -2, +2
        if not (_const(exp, (int, float)) and abs(exp.value) <= MAX_POW_EXPONENT) or any(
                isinstance(n, ast.Pow) for n in ast.walk(left)):
            raise UnsafeExpression(f'** needs a constant exponent <= {MAX_POW_EXPONENT}', node)
    elif isinstance(op, ast.Mult):
        for seq, count in ((left, right), (right, left)):
            if _sequence_like(seq) and not (
                    not isinstance(seq, ast.BinOp) and _const(count, (int,))
                    and 0 <= count.value <= MAX_REPEAT):
                raise UnsafeExpression(f'repetition needs a literal count <= {MAX_REPEAT}', node)
    elif isinstance(op, ast.Mod) and _sequence_like(left):
        raise UnsafeExpression('% string formatting', node)


def _check_expr(node, calls):
    kind = type(node)
    if kind is ast.Constant:
        if type(node.value) not in _CONSTANT_TYPES:
            raise UnsafeExpression(f'constant of type {type(node.value).__name__}', node)
    elif kind is ast.Name:
        _name(node.id, node)
        if not isinstance(node.ctx, ast.Load):
            raise UnsafeExpression(f"assignment to '{node.id}'", node)
    elif kind is ast.BoolOp:
        _check_all(node.values, calls)
    elif kind is ast.BinOp:
        _check_binop(node.op, node.left, node.right, node)
        _check_all([node.left, node.right], calls)
    elif kind is ast.UnaryOp:
        if not isinstance(node.op, _UNARY_OPS):
            raise UnsafeExpression(f'operator {type(node.op).__name__}', node)
        _check_expr(node.operand, calls)
    elif kind is ast.Compare:
        bad = [op for op in node.ops if not isinstance(op, _CMP_OPS)]
        if bad:
            raise UnsafeExpression(f'operator {type(bad[0]).__name__}', node)
        _check_all([node.left, *node.comparators], calls)
    elif kind is ast.IfExp:
        _check_all([node.test, node.body, node.orelse], calls)
    elif kind is ast.Call:
        func = node.func
        if isinstance(func, ast.Name):
            _name(func.id, func)
            if func.id not in calls:
                raise UnsafeExpression(f"call to '{func.id}'", node)
        elif isinstance(func, ast.Attribute):
            # Attributes exist only in this position: a call of a whitelisted data method.
            _name(func.attr, func)
            if func.attr not in SAFE_METHODS:
                raise UnsafeExpression(f"attribute '.{func.attr}'", node)
            _check_expr(func.value, calls)
        else:
            _check_expr(func, calls)  # names a lambda etc. if that is what it is
            raise UnsafeExpression('call of a computed function', node)
        _check_all(node.args, calls)  # a Starred arg falls through to the final else
        for kw in node.keywords:
            if kw.arg is None:
                raise UnsafeExpression('**kwargs', node)
            _name(kw.arg, kw)
            _check_expr(kw.value, calls)
    elif kind is ast.Attribute:
        raise UnsafeExpression(f"attribute '.{node.attr}'", node)
    elif kind is ast.Subscript:
        _check_all([node.value, node.slice], calls)
    elif kind is ast.Slice:
        _check_all([v for v in (node.lower, node.upper, node.step) if v is not None], calls)
    elif kind in (ast.Tuple, ast.List, ast.Set):
        _check_all(node.elts, calls)
    elif kind is ast.Dict:
        if any(key is None for key in node.keys):
            raise UnsafeExpression('** in dict display', node)
        _check_all([*node.keys, *node.values], calls)
    else:
        raise UnsafeExpression(_LABELS.get(kind.__name__, kind.__name__), node)


def _check_target(node, calls):
    """Assignment targets: `name = ...` or `name[...][...] = ...`."""
    base = node
    while isinstance(base, ast.Subscript):
        _check_expr(base.slice, calls)
        base = base.value
    if not isinstance(base, ast.Name):
        raise UnsafeExpression('assignment target', node)
    _name(base.id, base)


def _check_stmt(node, calls):
    kind = type(node)
    if kind is ast.Assign:
        for target in node.targets:
            _check_target(target, calls)
    elif kind is ast.AugAssign:
        _check_target(node.target, calls)
        _check_binop(node.op, node.target, node.value, node)
    if kind in (ast.Assign, ast.AugAssign, ast.Expr):
        _check_expr(node.value, calls)
    elif kind is ast.If:
        _check_expr(node.test, calls)
        _check_body([*node.body, *node.orelse], calls)
    elif kind is not ast.Pass:
        raise UnsafeExpression(_LABELS.get(kind.__name__, kind.__name__), node)


def _check_all(nodes, calls):
    for node in nodes:
        _check_expr(node, calls)


def _check_body(stmts, calls):
    for stmt in stmts:
        _check_stmt(stmt, calls)


def _code(source, mode, functions):
    if len(source) > MAX_SOURCE_LENGTH:
        raise UnsafeExpression(f'source longer than {MAX_SOURCE_LENGTH} characters')
    # eval() tolerates surrounding whitespace but compile() does not; BPMN XML indents text.
    source = source.strip() if mode == 'eval' else textwrap.dedent(source)
    return _compiled(source, mode, frozenset(SAFE_BUILTINS).union(functions or ()))


@functools.lru_cache(maxsize=4096)
def _compiled(source, mode, calls):
    """Check and compile once per (text, mode, callable names): DMN cells repeat a lot."""
    try:
        tree = ast.parse(source, mode=mode)  # SyntaxError propagates, DMN's needs_eq relies on it
    except (RecursionError, MemoryError):  # `1+1+...`, `not not ...`, `----1` thousands deep
        raise ExpressionTooDeep() from None
    _check_depth(tree)
    (_check_expr if mode == 'eval' else _check_body)(tree.body, calls)
    tree = ast.fix_missing_locations(bound_tree(tree))
    # '<string>' lets PythonScriptEngine report the failing script line.
    return compile(tree, '<string>', mode)


def _globals(extra_functions, read_only=None):
    env = {**(extra_functions or {}), **(read_only or {})}
    guard = Guard()
    env.update(_bounded_binop=guard.binop, _built=guard.built, _stored=guard.stored)
    env['__builtins__'] = SAFE_BUILTINS  # last, so no data key can replace it
    return env


# Both raise SyntaxError (text does not parse) or UnsafeExpression; allowed_calls names
# server functions that will be passed as extra_functions at run time.
def check_expression(source: str, allowed_calls=()) -> None:
    _code(source, 'eval', allowed_calls)


def check_script(source: str, allowed_calls=()) -> None:
    _code(source, 'exec', allowed_calls)


def safe_eval(source, names: dict, extra_functions: dict | None = None):
    code = _code(source, 'eval', extra_functions)
    # `names` as locals: no copy, data shadows functions like in plain Python.
    return eval(code, _globals(extra_functions), names)


def safe_exec(source, names: dict, extra_functions: dict | None = None, *, read_only=None):
    """Run a script; assignments land in `names`.  `read_only` names are visible, not written."""
    code = _code(source, 'exec', extra_functions)
    # `names` is the locals mapping, so `__builtins__` is only ever added to the globals.
    exec(code, _globals(extra_functions, read_only), names)
    # `x = len` would put a function into task data, which must stay JSON-serialisable.
    for key in [k for k, v in names.items() if callable(v)]:
        del names[key]


def _missing_service_handler(context, operation_name, operation_params):
    raise NotImplementedError(f"未配置服务处理器 / no service handler configured for '{operation_name}'")


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that runs everything through safe_eval/safe_exec."""

    def __init__(self, functions=None, service_handler=None):
        super().__init__({})
        self.functions = dict(functions or {})  # trusted server functions callable by name
        self.service_handler = service_handler or _missing_service_handler

    def evaluate(self, expression, context, external_context=None):
        # external_context carries DMN's `dmninputexpr` and data objects; task data wins.
        return safe_eval(expression, {**(external_context or {}), **context}, self.functions)

    def execute(self, script, context, external_context=None):
        safe_exec(script, context, self.functions, read_only=external_context)
        return True

    def call_service(self, context, operation_name, operation_params):
        # Handler returns a JSON string; its exceptions propagate unchanged for the caller
        # to translate (see RestrictedScriptEngine.call_service).
        return self.service_handler(context, operation_name, operation_params)


class RestrictedScriptEngine(PythonScriptEngine):

    def __init__(self, environment=None):
        environment = environment or RestrictedEnvironment()
        if not isinstance(environment, RestrictedEnvironment):
            # Anything else would quietly bring back eval with full builtins.
            raise TypeError('RestrictedScriptEngine needs a RestrictedEnvironment')
        super().__init__(environment)

    def validate(self, expression):
        # DMN's needs_eq tells `'a'` from `> 45` by catching SyntaxError here.
        check_expression(expression, self.environment.functions)

    def evaluate(self, task, expression, external_context=None):
        value = super().evaluate(task, expression, external_context)
        # A timer's value and a multi-instance count computed from case data are bounded here,
        # before the engine loops over them (run_limits.py).
        problem = evaluated_problem(getattr(task, 'task_spec', None), expression, value)
        if problem is not None:
            exc = LimitExceeded(problem)
            raise WorkflowTaskException(problem, task=task, exception=exc) from exc
        return value

    def call_service(self, task, **kwargs):
        # The 3.2.0 base method hits NameError('script') when the service fails (trap 2).
        return self.environment.call_service(task.data, **kwargs)

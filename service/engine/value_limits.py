"""Run-time bounds on the values diagram expressions and scripts build.

safe_eval compiles every `+`, `*`, `**` and `%`, every list/tuple/set/dict display that holds
more than constants and every subscript assignment into calls of a `Guard` made for that one
evaluation, and gives diagrams bounded `round`, `sum`, `str` and `int`. Sizes are checked
*before* the work that would be unbounded (all of it runs in C, holding the GIL):

- a str, list or tuple has at most MAX_VALUE_SIZE characters or items, an int MAX_INT_BITS bits;
- the text form of a nested value (what `str()`, `==` and the saved case walk through) is at
  most MAX_TEXT_SIZE characters, a part referenced from several places counted every time:
  `[[0] * 1000] * 1000` is a thousand references to one list but three million characters;
- `str()` of a container and `%` formatting make at most MAX_VALUE_SIZE characters (widths and
  precisions included, `*` widths refused);
- `round` takes at most MAX_ROUND_DIGITS digits, `sum` adds numbers only, `int()` gives at most
  MAX_INT_BITS bits.
"""
from __future__ import annotations

import ast
import copy

MAX_VALUE_SIZE = 100_000  # characters of a str, items of a list/tuple built by a diagram
MAX_INT_BITS = 4_096
MAX_TEXT_SIZE = 4_000_000  # the text form of a nested value; a saved case holds at most 4 MB
MAX_NESTING = 100  # levels of lists/dicts inside each other
MAX_ROUND_DIGITS = 100


class ValueTooLarge(ValueError):
    """A diagram expression or script tried to build a value over the limits."""

    def __init__(self, what: str, english: str | None = None):
        super().__init__(f'流程脚本生成的数据过大：{what} / a diagram script built a value over '
                         f'the limit: {english or what}')


class LimitExceeded(ValueTooLarge):
    """A value a diagram may not use, with its own message (a ValueTooLarge: the step is 422)."""

    def __init__(self, message: str):
        ValueError.__init__(self, message)


_SEQUENCES = (str, list, tuple)
_NESTED = frozenset({list, tuple, set, frozenset, dict})
_VIEWS = frozenset({type({}.keys()), type({}.values()), type({}.items())})
_INTS = frozenset({int, bool})
_NUMBERS = (int, float)


class _Walk:
    """Approximate length of str(value), shared parts counted each time they appear; raises
    ValueTooLarge as soon as it passes `limit`. Each distinct container is visited once."""

    def __init__(self, limit: int):
        self.limit = limit
        self.memo: dict[int, tuple] = {}  # id -> (container kept alive, size or None in progress)

    def size(self, value, depth: int) -> int:
        kind = type(value)
        if kind is str:
            return len(value) + 4  # quotes and separator
        if kind in _INTS:
            return value.bit_length() * 3 // 10 + 4
        if kind is float:
            return 26
        if value is None:
            return 6
        if kind not in _NESTED and kind not in _VIEWS:
            return 32  # something a server function returned
        known = self.memo.get(id(value))
        if known is not None:
            if known[1] is None:
                raise ValueTooLarge('值包含自身', 'a value containing itself')
            return known[1]
        if depth > MAX_NESTING:
            raise ValueTooLarge(f'嵌套超过 {MAX_NESTING} 层', f'nested deeper than {MAX_NESTING} levels')
        self.memo[id(value)] = (value, None)
        total = self._items(value, kind, depth)
        self.memo[id(value)] = (value, total)
        return total

    def _items(self, value, kind, depth) -> int:
        if kind in _VIEWS:
            value, kind = list(value), list  # dict_items gives (key, value) tuples
            total = 16
        else:
            total = 4
        if kind is dict:
            for key, item in value.items():
                total += self.size(key, depth + 1) + self.size(item, depth + 1)
                self._check(total)
            return total
        kinds = set(map(type, value))  # flat lists of numbers or text: counted in C
        if kinds <= _INTS:
            total += 4 * len(value) + sum(map(int.bit_length, value)) * 3 // 10
        elif kinds == {str}:
            total += 4 * len(value) + sum(map(len, value))
        elif kinds == {float}:
            total += 26 * len(value)
        else:
            for item in value:
                total += self.size(item, depth + 1)
                self._check(total)
        self._check(total)
        return total

    def _check(self, total):
        if total > self.limit:
            raise ValueTooLarge(f'文本形式超过 {self.limit} 个字符',
                                f'over {self.limit} characters as text')


def text_size(value, limit: int = MAX_TEXT_SIZE) -> int:
    return _Walk(limit).size(value, 0)


def _check_int(value):
    if type(value) is int and value.bit_length() > MAX_INT_BITS:
        raise ValueTooLarge('integer')
    return value


class Guard:
    """The bounded operations of one evaluation (safe_eval and safe_exec make one per call)."""

    def __init__(self):
        # The last container built with its size: `a + b + c + ...` does not re-walk its left side.
        self._last: tuple | None = None

    def _size(self, value) -> int:
        if self._last is not None and self._last[0] is value:
            return self._last[1]
        return text_size(value)

    @staticmethod
    def _fits(size: int) -> int:
        if size > MAX_TEXT_SIZE:
            raise ValueTooLarge(f'文本形式超过 {MAX_TEXT_SIZE} 个字符',
                                f'over {MAX_TEXT_SIZE} characters as text')
        return size

    def _keep(self, value, size: int):
        self._last = (value, size)
        return value

    def binop(self, op: str, left, right):
        """`left <op> right` for op in add/mult/pow/mod, refused before it would do too much."""
        if op == 'add':
            if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
                if len(left) + len(right) > MAX_VALUE_SIZE:
                    raise ValueTooLarge(f'{len(left) + len(right)} items')
                if not isinstance(left, str):
                    size = self._fits(self._size(left) + self._size(right))
                    return self._keep(left + right, size)
            return _check_int(left + right)
        if op == 'mult':
            seq, count = ((left, right) if isinstance(left, _SEQUENCES)
                          else (right, left) if isinstance(right, _SEQUENCES) else (None, None))
            if seq is not None and isinstance(count, int):
                if len(seq) * max(count, 0) > MAX_VALUE_SIZE:
                    raise ValueTooLarge(f'{len(seq)} x {count} items')
                if not isinstance(seq, str):
                    size = self._fits(self._size(seq) * max(count, 0))
                    return self._keep(left * right, size)
            if type(left) is int and type(right) is int \
                    and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise ValueTooLarge('integer product')
            return _check_int(left * right)
        if op == 'mod':
            if isinstance(left, str):
                check_format(left, right)
            return left % right
        if type(left) is int and type(right) is int and right > 0 \
                and left.bit_length() * right > MAX_INT_BITS:
            raise ValueTooLarge('integer power')
        result = left ** right
        if type(result) is complex:  # (-1) ** 0.5: no case data can hold it
            raise LimitExceeded('流程脚本得到了复数（负数的小数次幂）/ a diagram script computed a '
                                'complex number')
        return _check_int(result)

    def built(self, value):
        """A list/tuple/set/dict display holding variables: `[a, a, a]` shares `a` thrice."""
        return self._keep(value, text_size(value))

    def stored(self, *roots) -> None:
        """After `x[k] = v`: `x` (which may be inside what was built before) is measured again."""
        self._last = None
        for root in roots:
            text_size(root)


_BOUNDED_OPS = {ast.Add: 'add', ast.Mult: 'mult', ast.Pow: 'pow', ast.Mod: 'mod'}


def _call(name, args):
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _literal(node) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e) for e in node.elts)
    return isinstance(node, ast.Dict) and all(
        k is not None and _literal(k) for k in node.keys) and all(_literal(v) for v in node.values)


def _root(target) -> str:
    while isinstance(target, ast.Subscript):
        target = target.value
    return target.id


class _Bound(ast.NodeTransformer):
    """`a + b` -> `_bounded_binop('add', a, b)`; `x += y` -> `x = _bounded_binop('add', x, y)`;
    `[a, b]` -> `_built([a, b])`; after `x[k] = v`, `_stored(x)` (value_limits.Guard).
    Runs on trees that passed the whitelist, whose names never start with `_`."""

    def visit_BinOp(self, node):
        self.generic_visit(node)
        op = _BOUNDED_OPS.get(type(node.op))
        if op is None:
            return node
        return ast.copy_location(_call('_bounded_binop', [ast.Constant(op), node.left, node.right]),
                                 node)

    def _display(self, node):
        if not isinstance(getattr(node, 'ctx', ast.Load()), ast.Load) or _literal(node):
            return node
        self.generic_visit(node)
        return ast.copy_location(_call('_built', [node]), node)

    visit_List = visit_Tuple = visit_Set = visit_Dict = _display

    def visit_Assign(self, node):
        self.generic_visit(node)
        roots = [_root(t) for t in node.targets if isinstance(t, ast.Subscript)]
        if not roots:
            return node
        check = ast.Expr(_call('_stored', [ast.Name(r, ast.Load()) for r in roots]))
        return [node, ast.copy_location(check, node)]

    def visit_AugAssign(self, node):
        if type(node.op) not in _BOUNDED_OPS:
            self.generic_visit(node)
            if not isinstance(node.target, ast.Subscript):
                return node
            check = ast.Expr(_call('_stored', [ast.Name(_root(node.target), ast.Load())]))
            return [node, ast.copy_location(check, node)]
        load = _as_load(node.target)
        value = ast.BinOp(left=load, op=node.op, right=node.value)
        assign = ast.Assign(targets=[node.target], value=value)
        return self.visit(ast.copy_location(assign, node))


def _as_load(target):
    """The assignment target `x` / `x[k]` as an expression that reads it."""
    load = copy.deepcopy(target)
    for sub in ast.walk(load):
        if hasattr(sub, 'ctx'):
            sub.ctx = ast.Load()
    return load


def bound_tree(tree):
    """A checked expression or script tree with its operations routed through a Guard."""
    return _Bound().visit(tree)


def check_format(fmt: str, args) -> None:
    """Refuse `fmt % args` whose result would pass MAX_VALUE_SIZE characters."""
    total, named, count = len(fmt), [], 0
    n, i = len(fmt), fmt.find('%')
    while 0 <= i < n - 1:
        j = i + 1
        if fmt[j] == '(':  # %(key)s, parentheses nest as in CPython
            depth, start = 0, j
            while j < n:
                depth += {'(': 1, ')': -1}.get(fmt[j], 0)
                j += 1
                if depth == 0:
                    break
            named.append(fmt[start + 1:j - 1])
        while j < n and fmt[j] in '-+ #0':
            j += 1
        for part in ('width', 'precision'):
            if part == 'precision':
                if j >= n or fmt[j] != '.':
                    break
                j += 1
            if j < n and fmt[j] == '*':
                raise ValueTooLarge('% 格式中的 * 宽度', 'a * width in % formatting')
            start = j
            while j < n and '0' <= fmt[j] <= '9':
                j += 1
            if j - start > 7:
                raise ValueTooLarge(f'% 格式宽度 {fmt[start:j][:20]}…', 'a width in % formatting')
            total += int(fmt[start:j] or 0)
        while j < n and fmt[j] in 'hlL':
            j += 1
        if j < n and fmt[j] != '%':
            count += 1
        i = fmt.find('%', j + 1)
    total += 320 * count  # a number's digits: %f of 1e308 has 309
    if named and isinstance(args, dict):
        values = [args[key] for key in named if key in args]
    else:
        values = args if type(args) is tuple else (args,)
    for value in values:
        if total > MAX_VALUE_SIZE:
            break
        total += text_size(value, MAX_VALUE_SIZE)
    if total > MAX_VALUE_SIZE:
        raise ValueTooLarge(f'% 格式化结果超过 {MAX_VALUE_SIZE} 个字符',
                            f'% formatting over {MAX_VALUE_SIZE} characters')


# Builtins a diagram may call whose plain versions do unbounded work on a small input.

def bounded_round(number, ndigits=None):
    if isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise ValueTooLarge(f'round() 的位数超过 {MAX_ROUND_DIGITS}',
                            f'round() to more than {MAX_ROUND_DIGITS} digits')
    return round(number, ndigits)


def bounded_sum(iterable, /, start=0):
    if not isinstance(start, _NUMBERS):
        raise TypeError('sum() 只能对数字求和 / sum() adds numbers only')
    return _check_int(sum(iterable, start))


def bounded_str(*args, **kwargs):
    value = args[0] if args else kwargs.get('object', '')
    if type(value) in _NESTED or type(value) in _VIEWS:
        text_size(value, MAX_VALUE_SIZE)
    return str(*args, **kwargs)


def bounded_int(*args, **kwargs):
    return _check_int(int(*args, **kwargs))


bounded_round.__name__, bounded_sum.__name__ = 'round', 'sum'
bounded_str.__name__, bounded_int.__name__ = 'str', 'int'

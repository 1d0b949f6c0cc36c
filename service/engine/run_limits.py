"""Bounds on the work a diagram's timers and multi-instance tasks ask of the engine.

SpiffWorkflow 3.2 turns a timer's months and years into days one month at a time, in pure Python
(`P999999999999M` never ends, holding the GIL and the case's transaction), and creates all the
instances of a parallel multi-instance task at once (`loopCardinality` 10**9 is 10**9 tasks).
Values a diagram writes literally are refused at deploy (diagram_checks.bound_problems); values
computed from case data are checked where the engine evaluates them, before it uses them
(RestrictedScriptEngine.evaluate -> `evaluated_problem`), and the step is refused with a 422."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition,
    TimerEventDefinition)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import ParallelMultiInstanceTask

from .value_limits import LimitExceeded


MAX_TIMER_YEARS = 100
MAX_TIMER_DAYS = MAX_TIMER_YEARS * 366
MAX_TIMER_REPETITIONS = 1_000
MAX_CARDINALITY = 1_000


_DAYS = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440,
         "seconds": 1 / 86400}


def _duration_problem(text: str) -> str | None:
    parsed = TimerEventDefinition.parse_iso_duration(text)  # a dict of numbers: no loop yet
    if sum(_DAYS[unit] * amount for unit, amount in parsed.items()) > MAX_TIMER_DAYS:
        return (f"定时器时长超过 {MAX_TIMER_YEARS} 年：{text[:60]!r} / timer duration over "
                f"{MAX_TIMER_YEARS} years")
    return None


def _date_problem(text: str) -> str | None:
    if text.upper().startswith("P"):
        raise ValueError("not a date")
    when = TimerEventDefinition.parse_time_or_duration(text)
    if when > datetime.now(timezone.utc) + timedelta(days=MAX_TIMER_DAYS):
        return (f"定时器日期晚于 {MAX_TIMER_YEARS} 年之后：{text[:60]!r} / timer date more than "
                f"{MAX_TIMER_YEARS} years ahead")
    return None


def _cycle_problem(text: str) -> str | None:
    # Split the way SpiffWorkflow does (parse_iso_recurring_interval), bound each part, then
    # let it parse the whole (its month walk is bounded by then).
    components = text.upper().replace("--", "/").strip("R").split("/")
    if len(components) not in (2, 3):
        raise ValueError("not a cycle")
    cycles = int(components[0]) if components[0] else -1
    if not 0 <= cycles <= MAX_TIMER_REPETITIONS:
        return (f"循环定时器须写明重复次数，且不超过 {MAX_TIMER_REPETITIONS} 次（如 R3/P1D）："
                f"{text[:60]!r} / a timer cycle needs a repetition count of at most "
                f"{MAX_TIMER_REPETITIONS}")
    for part in components[1:]:
        problem = (_duration_problem if part.startswith("P") else _date_problem)(part)
        if problem:
            return problem
    TimerEventDefinition.parse_iso_recurring_interval(text)
    return None


_TIMER_CHECKS = {"timeDuration": _duration_problem, "timeDate": _date_problem,
                 "timeCycle": _cycle_problem}
_TIMER_NAMES = {"timeDuration": "时长 / duration", "timeDate": "日期 / date", "timeCycle": "循环 / cycle"}


def timer_value_problem(kind: str, value) -> str | None:
    """Why a timer (kind: timeDuration, timeDate, timeCycle) cannot use `value`, the text its
    expression gave; None when it can."""
    if not isinstance(value, str):
        return (f"定时器表达式应得到 ISO 8601 文本（如 \"P3D\"），实际为 {type(value).__name__} / a "
                f"timer expression must give ISO 8601 text")
    try:
        return _TIMER_CHECKS[kind](value)
    except Exception:  # noqa: BLE001 - the library's parsers raise bare Exception, ValueError ...
        return (f"定时器的值不是有效或可用的 ISO 8601 {_TIMER_NAMES[kind]}：{value[:60]!r} / not a "
                f"usable ISO 8601 timer value")


def cardinality_problem(value) -> str | None:
    if not isinstance(value, int):
        return (f"多实例数量（loopCardinality）应为整数，实际为 {type(value).__name__} / loop "
                f"cardinality must be an integer")
    if not 0 <= value <= MAX_CARDINALITY:
        return (f"多实例数量（loopCardinality）应在 0 到 {MAX_CARDINALITY} 之间，实际为 "
                f"{str(value)[:30]} / loop cardinality must be between 0 and {MAX_CARDINALITY}")
    return None


def _timer_kind(definition) -> str:
    if isinstance(definition, CycleTimerEventDefinition):
        return "timeCycle"
    if isinstance(definition, DurationTimerEventDefinition):
        return "timeDuration"
    return "timeDate" if isinstance(definition, TimeDateEventDefinition) else ""


def evaluated_problem(task_spec, expression: str, value) -> str | None:
    """When `expression` is the loop cardinality or a timer of `task_spec`, why the engine must
    not use `value`; None otherwise."""
    if task_spec is None:
        return None
    if expression == getattr(task_spec, "cardinality", None):
        return cardinality_problem(value)
    definition = getattr(task_spec, "event_definition", None)
    for each in getattr(definition, "event_definitions", None) or [definition]:
        kind = _timer_kind(each)
        if kind and each.expression == expression:
            return timer_value_problem(kind, value)
    return None



def bound_collection_inputs(specs) -> None:
    """A parallel multi-instance task fed by a collection of case data (loopDataInputRef)
    makes one instance per item, all at once, reading the collection without the evaluator:
    refuse more than MAX_CARDINALITY items before it does. (A sequential one makes them one
    at a time, and the engine's step limit stops a long run.)"""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, ParallelMultiInstanceTask) and task_spec.data_input is not None:
                task_spec.create_children = _bounded(task_spec, task_spec.create_children)


def _bounded(task_spec, create_children):
    def create_bounded_children(my_task):
        items = task_spec.data_input.get(my_task)
        if hasattr(items, "__len__") and len(items) > MAX_CARDINALITY:
            raise LimitExceeded(
                f"多实例任务的输入集合有 {len(items)} 项，超过 {MAX_CARDINALITY} 项 / a multi-instance "
                f"input collection of {len(items)} items is over {MAX_CARDINALITY}")
        return create_children(my_task)
    return create_bounded_children

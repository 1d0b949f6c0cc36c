"""Running workflows: create, load, complete a user task, run to the next wait state, save.

The domain never touches SpiffWorkflow objects; it gets plain `ReadyTask` values back."""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.util.task import TaskState

from .definitions import CompiledProcess
from .safe_eval import RestrictedEnvironment, RestrictedScriptEngine
from .serializer import StateSerializer


@dataclass
class ReadyTask:
    id: str
    name: str  # the BPMN id (a multi-instance task's instances all carry the task's own id)
    data: dict
    process: str = ""  # the spec it belongs to: the case's process, a sub-process or a called one


# Automatic steps (scripts, gateways, events) one user action may run: a real case runs tens.
# A diagram looping on automatic steps would otherwise hold the worker, and past ~500 rounds
# the engine loses track of its deep task tree and reports an unfinished case as completed.
MAX_ENGINE_STEPS = 400


class EngineError(Exception):
    """A diagram failed while running (bad expression, missing data). Nothing is saved."""


def _translated(work) -> None:
    """Run `work`; a failure inside the engine comes out as our own exception (one of ours
    that SpiffWorkflow wrapped, else EngineError)."""
    try:
        work()
    except Exception as exc:
        ours = _unwrap(exc)
        if ours is not None:
            raise ours from exc
        raise EngineError(str(exc)) from exc


class TaskNotReady(Exception):
    pass


def _unwrap(exc: BaseException) -> BaseException:
    """Find our own exception inside SpiffWorkflow's wrappers (WorkflowTaskException etc.)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__module__.startswith("talentflow."):
            return exc
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
    return None


class LiveWorkflow:
    """One loaded workflow plus the service-call handler of the action working on it."""

    def __init__(self, wf: BpmnWorkflow, compiled: CompiledProcess):
        self.wf = wf
        self.compiled = compiled
        # The ready human tasks as the last run left them: saving a step asks for them three
        # times (rewind check, case data, task index), each a walk of the whole task tree.
        # Every method that changes the workflow drops them first.
        self._ready: list | None = None
        # Whatever makes this workflow evaluate an expression — a run, a migration resetting
        # its tasks (their pre-scripts, timers), a cancel — goes through the restricted
        # evaluator: SpiffWorkflow builds and deserializes a workflow with its own
        # PythonScriptEngine, eval and exec with every builtin. Only a run has a service
        # handler; outside one a service call is refused.
        self._environment = RestrictedEnvironment()
        self._no_services = self._environment.service_handler
        wf.script_engine = RestrictedScriptEngine(environment=self._environment)

    def _ready_tasks(self) -> list:
        if self._ready is None:
            self._ready = self.wf.get_tasks(state=TaskState.READY, manual=True)
        return self._ready

    def run(self, service_handler, first_step=None) -> None:
        """Run engine steps to the next wait state; `first_step` (completing a user task) runs
        inside the same error translation."""
        self._ready = None
        self._environment.service_handler = lambda ctx, name, params: json.dumps(
            service_handler(ctx, name, {k: v["value"] for k, v in params.items()}))
        steps = [0]

        def count(_task):  # a diagram looping on automatic steps must not hold a worker
            steps[0] += 1
            if steps[0] > MAX_ENGINE_STEPS:
                raise EngineError(f"more than {MAX_ENGINE_STEPS} automatic steps in one action")
        def steps_to_wait_state():
            if first_step is not None:
                first_step()
            self.wf.do_engine_steps(did_complete_task=count)
            while self._rewind_loop():
                self.wf.do_engine_steps(did_complete_task=count)
        try:
            _translated(steps_to_wait_state)
        finally:
            self._environment.service_handler = self._no_services

    def _rewind_loop(self) -> bool:
        """A user task that is ready again (return for correction) is rewound to its first run,
        carrying the current data: the tree stays the size of one pass however many round trips
        a case makes (ENGINE-NOTES.md, trap 1)."""
        ready = self.wf.get_tasks(state=TaskState.READY, manual=True)
        for task in ready:
            if task.workflow is not self.wf or _in_multi_instance(task):
                continue  # a sub-workflow starts afresh each time; MI siblings stay as they are
            first = self.wf.get_next_task(spec_name=task.task_spec.name)
            if first is not None and first is not task:
                self.wf.reset_from_task_id(first.id, data=dict(task.data))
                return True
        self._ready = ready  # the run ends here: what it left ready
        return False

    def ready_user_tasks(self) -> list[ReadyTask]:
        """Ready human tasks of the case, those inside sub-processes and called processes
        included (the engine's task iterator descends into sub-workflows)."""
        return [ReadyTask(str(t.id), getattr(t.task_spec, "bpmn_id", None) or t.task_spec.name,
                          t.data, t.workflow.spec.name)
                for t in self._ready_tasks()]

    def complete(self, task_id: str, data: dict, service_handler) -> None:
        try:
            task = self.wf.get_task_from_id(UUID(task_id))
        except Exception:
            raise TaskNotReady(task_id) from None
        if task.state != TaskState.READY:
            raise TaskNotReady(task_id)
        task.data.update(data)
        self.run(service_handler, first_step=task.run)

    def passed_user_tasks(self) -> list[str]:
        """Names of the user tasks completed on the case's current path, in the order they
        were completed (a task done twice is listed once, at its latest completion)."""
        done = sorted(self._returnable(), key=lambda t: t.last_state_change)
        names: list[str] = []
        for task in done:
            if task.task_spec.name in names:
                names.remove(task.task_spec.name)
            names.append(task.task_spec.name)
        return names

    def _returnable(self) -> list:
        """Completed human tasks a case may be sent back to: those of the case's own process.
        A step inside a sub-process or called process, or one instance of a multi-instance
        task, is not a place to restart from (its sub-workflow or siblings would be left
        half-run)."""
        return [t for t in self.wf.get_tasks(state=TaskState.COMPLETED, manual=True)
                if t.workflow is self.wf and not _in_multi_instance(t)]

    def return_to(self, task_id: str, target: str, service_handler) -> None:
        """回退: instead of completing the ready task `task_id`, rewind the case to its completed
        user task `target` (its latest run) carrying the data as the returning task sees it
        (its own decision stays out, in the history: a stale answer must not meet a parallel
        branch at a join); the target opens again and everything after it runs again.
        Branches started after the target (a parallel sibling review) are dropped with it."""
        try:
            task = self.wf.get_task_from_id(UUID(task_id))
        except Exception:
            raise TaskNotReady(task_id) from None
        if task is None or task.state != TaskState.READY:
            raise TaskNotReady(task_id)
        runs = [t for t in self._returnable() if t.task_spec.name == target]
        if not runs:
            raise KeyError(target)
        run = max(runs, key=lambda t: t.last_state_change)
        carried = dict(task.data)

        def rewind():
            dropped = self.wf.reset_from_task_id(run.id, data=carried)
            if task.id in self.wf.tasks:
                # The returning task survived: the path reached it through a parallel join
                # whose continuation hangs under the sibling branch. Rewind that join too (the
                # first ancestor of the task also dropped on the target's side), so the
                # join waits for the reopened branch and what follows it runs again. A
                # sibling review itself (no such ancestor) stays open.
                joins = {t.task_spec.name for t in dropped if isinstance(t.task_spec, Join)
                         and not t.has_state(TaskState.PREDICTED_MASK)}
                ancestor = task.parent
                while ancestor is not None and not (
                        isinstance(ancestor.task_spec, Join) and ancestor.task_spec.name in joins):
                    ancestor = ancestor.parent
                if ancestor is not None:
                    self.wf.reset_from_task_id(ancestor.id)
            # SpiffWorkflow 3.2 leaves the waiting events (a boundary timer on a dropped task)
            # of removed tasks registered: they would be refreshed with no parent and fail.
            manager = self.wf.event_manager
            for waiting in list(manager.tasks.values()):
                if waiting.id not in waiting.workflow.tasks:
                    manager.remove_task(waiting)
        self.run(service_handler, first_step=rewind)

    def cancel(self) -> None:
        self._ready = None
        self.wf.cancel()

    def migrate(self, new: CompiledProcess, registry) -> list[str]:
        """Move the case onto another version's spec (SpiffWorkflow.bpmn.util.diff). Returns
        the names of open human tasks that version lacks — then nothing is changed."""
        self._ready = None
        top_diff, sp_diffs = diff_workflow(registry, self.wf, new.spec, new.subprocess_specs)
        missing = []
        new_names = {name for (_spec, name) in new.tasks}
        for task in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            manual = getattr(task.task_spec, "manual", False)
            name = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
            if manual and name not in new_names:
                # The diff pairs specs by their place in the diagram, so a renamed step is
                # "changed", not removed — but the open task must exist under its own id.
                gone = True
            elif task.workflow is self.wf:
                gone = task in top_diff.removed
            else:
                diff = sp_diffs.get(task.workflow.parent_task_id)
                gone = diff is None or task in diff.removed
            if gone and (manual or task.state != TaskState.READY):
                name = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
                if name not in missing:
                    missing.append(name)
        if missing:
            return missing

        def move():  # resetting tasks runs the new version's pre-scripts and timer expressions
            migrate_workflow(top_diff, self.wf, new.spec)
            self.wf.subprocess_specs = new.subprocess_specs
            for sp_id, diff in sp_diffs.items():
                sub = self.wf.subprocesses[sp_id]
                if diff is None:  # finished sub-workflow of a step the new version removed
                    del self.wf.subprocesses[sp_id]
                else:
                    migrate_workflow(diff, sub, new.subprocess_specs[sub.spec.name])
        _translated(move)
        self.compiled = new
        return []

    @property
    def completed(self) -> bool:
        return self.wf.is_completed()

    @property
    def data(self) -> dict:
        """The case data: the last completed task's data (where end events leave it)."""
        if self.wf.is_completed():
            return self.wf.data or (self.wf.last_task.data if self.wf.last_task else {})
        ready = self._ready_tasks()
        if ready:
            merged = {}
            for t in ready:
                merged.update(t.data)
            return merged
        return self.wf.last_task.data if self.wf.last_task else {}

    def fire_timers(self, service_handler) -> None:
        """Let due timers fire, then run what follows them. Timers are refreshed first because
        `do_engine_steps` refreshes them only after running the ready tasks."""
        self.run(service_handler, first_step=self.wf.refresh_timers)

    def next_timer_at(self) -> datetime | None:
        """When the earliest pending timer is due, as naive server-local time (the unit of
        `Instance.next_timer_at` and `Platform.now()`), rounded up to the second so a row
        found due by `next_timer_at <= now` has really passed (the engine compares with `<`).

        SpiffWorkflow 3.2 reports each waiting event as a PendingBpmnEvent whose `event_type`
        is the definition's class name (TimeDateEventDefinition, DurationTimerEventDefinition,
        CycleTimerEventDefinition) and whose `value` is the ISO fire time (for a cycle: the
        next one, or a dict before it started)."""
        times = []
        values = [getattr(event, "value", None) for event in self.wf.waiting_events()
                  if event.event_type in TIMER_EVENT_TYPES]
        # An event-based gateway (or any multiple event) waits on one task for several events;
        # its timer's fire time is on that task.
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, MultipleEventDefinition) and any(
                    isinstance(d, TimerEventDefinition) for d in definition.event_definitions):
                value = task._get_internal_data("event_value")
                values.append(value.get("next") if isinstance(value, dict) else value)
        for value in values:
            if not isinstance(value, str):
                continue
            try:
                at = datetime.fromisoformat(value)
            except ValueError:
                continue
            if at.tzinfo is not None:
                at = at.astimezone().replace(tzinfo=None)
            if at.microsecond:
                at = at.replace(microsecond=0) + timedelta(seconds=1)
            times.append(at)
        return min(times) if times else None


def _in_multi_instance(task) -> bool:
    return task.parent is not None and isinstance(task.parent.task_spec, LoopTask)


TIMER_EVENT_TYPES = frozenset({"TimeDateEventDefinition", "DurationTimerEventDefinition",
                               "CycleTimerEventDefinition"})


class Runtime:
    """Creates and loads workflows; keeps recently used live ones in memory.

    The cache is keyed by (instance id, lock version): a caller that has locked the instance
    row and sees the same version may skip deserialization. Any mismatch simply reloads, so the
    database stays the only truth."""

    def __init__(self, cache_size: int = 256):
        self.serializer = StateSerializer()
        self._cache: OrderedDict[tuple[int, int], LiveWorkflow] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._hits = self._misses = 0
        self._thread = threading.local()  # the same counts for the calling thread only

    def create(self, compiled: CompiledProcess, data: dict) -> LiveWorkflow:
        wf = BpmnWorkflow(compiled.spec, compiled.subprocess_specs)
        wf.task_tree.data.update(data)
        return LiveWorkflow(wf, compiled)

    def load(self, instance_id: int, lock_version: int, state: str,
             compiled: CompiledProcess) -> LiveWorkflow:
        with self._lock:
            live = self._cache.pop((instance_id, lock_version), None)
        counts = self.thread_stats()
        if live is not None and live.compiled is compiled:
            self._hits += 1
            counts["hits"] += 1
            return live
        self._misses += 1
        counts["misses"] += 1
        try:
            wf = self.serializer.loads(state, compiled.spec, compiled.subprocess_specs)
            if not isinstance(wf, BpmnWorkflow):  # the library hands back what it cannot read
                raise TypeError(f"read back as {type(wf).__name__}, not a workflow")
        except Exception as exc:  # noqa: BLE001 - whatever the library met in a damaged state
            raise EngineError(f"saved state unreadable: {type(exc).__name__}: {exc}") from exc
        return LiveWorkflow(wf, compiled)

    def stats(self) -> dict:
        """Hot-instance cache hits and misses of this process so far."""
        return {"hits": self._hits, "misses": self._misses}

    def thread_stats(self) -> dict:
        """The calling thread's hits and misses so far (one request's own, read before and
        after it, however many threads serve others meanwhile)."""
        counts = getattr(self._thread, "counts", None)
        if counts is None:
            counts = self._thread.counts = {"hits": 0, "misses": 0}
        return counts

    def migrate(self, live: LiveWorkflow, new: CompiledProcess) -> list[str]:
        return live.migrate(new, self.serializer.registry)

    def dump(self, live: LiveWorkflow) -> str:
        return self.serializer.dumps(live.wf)

    def remember(self, instance_id: int, lock_version: int, live: LiveWorkflow) -> None:
        """Call only after the transaction that saved `live` has committed."""
        with self._lock:
            self._cache[(instance_id, lock_version)] = live
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

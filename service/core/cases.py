"""Cases: start, complete a task, claim, withdraw — one transaction per user action.

Each action: lock the instance row, authorize, validate, act in the engine, run to the next
wait state, re-index the human tasks, append history, save. The caller commits; any
exception rolls the whole action back."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .. import deferred
from ..db import on_commit
from ..engine import EngineError, LiveWorkflow, TaskNotReady, ValueTooLarge, engine_clock
from ..errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from . import access, case_locks, definitions, drafts, events, returns
from . import settings as settings_store
from .case_failures import case_unreadable, diagram_failure
from .forms import refuse_reserved_key, validate_submission
from .case_locks import LockedTask, lock_instance, lock_task_row
from .models import HistoryEvent, HumanTask, Instance, Unit, User
from .operations import ServiceContext
from .registry import REGISTRY

REVIEW_FORM = "review"
# What one case may hold: forms take well under 100 KB; a diagram script building more is
# refused rather than written to the database.
MAX_CASE_STATE_CHARS = 4 * 1024 * 1024


def _service_handler(platform, session: Session, instance: Instance, starter: User | None):
    """Service-task calls for one action; the starter is loaded only if an operation reads it
    (most review steps run none, and every query costs a round trip on PostgreSQL)."""
    ctx = None

    def handle(_task_data, name, params):
        nonlocal ctx
        if ctx is None:
            ctx = ServiceContext(session=session, instance=instance, known_starter=starter,
                                 today=platform.today(), settings=platform.config,
                                 now=platform.now(), platform=platform)
        return REGISTRY.operations[name](ctx, _task_data, params)
    return handle


def _run(platform, session, instance, starter, action) -> None:
    # Timers are evaluated against the platform's clock (a job run "as of" a date passes one).
    try:
        with engine_clock(platform.now()):
            action(_service_handler(platform, session, instance, starter))
    except ServiceError:
        raise
    except ValueTooLarge as exc:
        raise Invalid(f"{exc}；本次操作未保存，请联系系统管理员 / nothing was saved",
                      {"data": [str(exc).split(" / ")[0]]}) from exc
    except EngineError as exc:  # nothing was saved; the details go to the log
        raise diagram_failure(instance, exc) from exc


def start(platform, session: Session, user: User, process_id: str, data: dict,
          seed_data: dict | None = None, by_system: bool = False) -> Instance:
    """Start a case with `user` as its starter (the API's caller, or the talent for whom the
    scheduler starts an annual evaluation, `by_system`). `seed_data` is case data set by the
    server before the first step (never taken from a client)."""
    if process_id in REGISTRY.system_started and not by_system:
        raise Forbidden("该流程由系统自动发起，不能手工申请 / this process is started by the service only")
    definition = definitions.require_latest(session, process_id)
    compiled = platform.definitions.compiled(session, definition)
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    instance = Instance(process_id=process_id, definition_id=definition.id,
                        version=definition.version, starter_id=user.id,
                        unit_id=unit.id if unit else None,
                        department_id=unit.department_id if unit else None,
                        applicant_name=user.display_name or user.username, state="", data={})
    hooks = REGISTRY.hooks.get(process_id)
    if hooks and hooks.before_start:
        hooks.before_start(platform, session, user, instance)
    session.add(instance)
    session.flush()
    if hooks and hooks.after_insert:
        hooks.after_insert(platform, session, user, instance)
    live = platform.runtime.create(compiled, dict(seed_data or {}))
    _run(platform, session, instance, user, live.run)
    _prefill(platform, session, instance, live, data)
    # The starter is not told of their own first step; a feature starting a case for someone
    # (by_system, e.g. the annual evaluation) sends its own, fuller notice.
    _save(platform, session, instance, live, actor=user)
    return instance


def _prefill(platform, session, instance, live: LiveWorkflow, data: dict) -> None:
    """Start data pre-fills the first form: only that form's fields are accepted."""
    if not data:
        return
    refuse_reserved_key(data)
    ready = live.ready_user_tasks()
    info = live.compiled.task_info(ready[0].process, ready[0].name) if ready else None
    if info is None or not info.form:
        raise Invalid("该流程不接受启动数据 / this process takes no start data", {"data": ["不允许"]})
    schema = platform.definitions.form(session, instance.definition_id, info.form)
    unknown = sorted(set(data) - set(schema.get("properties", {})))
    if unknown:
        raise Invalid("启动数据包含未知字段 / unknown fields", {k: ["不允许的字段"] for k in unknown})
    # The fields given must be valid (lengths, types, enums); the missing ones come at submission.
    _, errors = validate_submission(schema, data)
    errors = {k: v for k, v in errors.items() if k.split(".")[0] in data}
    if errors:
        raise Invalid("启动数据有误 / invalid start data", errors)
    ready[0].data.update(data)


def _load(platform, session, instance: Instance) -> LiveWorkflow:
    compiled = platform.definitions.compiled_by_id(session, instance.definition_id)
    try:
        return platform.runtime.load(instance.id, instance.lock_version, instance.state, compiled)
    except EngineError as exc:
        raise case_unreadable(instance, exc) from exc


def _lock_task(session, user, task_id) -> LockedTask:
    """lock_task_row, then the rules for working the task oneself."""
    locked = lock_task_row(session, task_id)
    task = locked.task
    if task is not None and task.role is not None and task.starter_id == user.id:
        # Separation of duties: the starter knows the case has reviews; working one is refused.
        raise Forbidden("不能审核本人提交的案件 / you may not review your own case")
    if task is None or not access.may_see_task(user, task):
        raise NotFound("任务不存在 / no such task")
    access.ensure_may_work_now(user, task)
    return locked


def claim(platform, session: Session, user: User, task_id: int) -> HumanTask:
    task = _lock_task(session, user, task_id).task
    task.assignee_id = user.id
    return task


def release(platform, session: Session, user: User, task_id: int) -> HumanTask:
    task = _lock_task(session, user, task_id).task
    if task.role is None:
        raise Conflict("申请人任务不能退回队列 / an applicant task cannot be released")
    task.assignee_id = None
    return task


def complete(platform, session: Session, user: User, task_id: int, data) -> HumanTask:
    task, instance, open_rows, drafted, done_names = _lock_task(session, user, task_id)
    return_to = None
    if task.form == REVIEW_FORM and isinstance(data, dict) and "return_to" in data:
        data = dict(data)
        return_to = data.pop("return_to") or None  # 回退 target, outside the review form
    if task.form:
        cleaned, errors = platform.definitions.validate_form(session, instance.definition_id,
                                                             task.form, data)
        if errors:
            raise Invalid("提交的数据有误 / invalid task data", errors)
    elif isinstance(data, dict):
        cleaned = data
    else:
        raise Invalid("数据必须是 JSON 对象 / data must be an object", {"data": ["必须是 JSON 对象"]})
    refuse_reserved_key(cleaned)
    payload = {task.name: cleaned} if task.form == REVIEW_FORM else cleaned
    live = _load(platform, session, instance)
    decision = cleaned.get("decision") if task.form == REVIEW_FORM else "submitted"
    if decision != "return":
        return_to = None
    elif return_to is not None:
        returns.check_target(live, task, return_to)
    try:
        if return_to is None:
            _run(platform, session, instance, None,
                 lambda handler: live.complete(task.spiff_task_id, payload, handler))
        else:
            _run(platform, session, instance, None,
                 lambda handler: live.return_to(task.spiff_task_id, return_to, handler))
    except TaskNotReady:
        raise Conflict("任务已办结 / the task is no longer open")
    now = platform.now()
    deferred.update(session, task, {"status": "completed", "assignee_id": user.id,
                                    "completed_by": user.id, "completed_at": now,
                                    "decision": decision})
    _record(session, instance, task.name, task.title, user, now, decision,
            cleaned.get("comment") if task.form == REVIEW_FORM else None, return_to)
    if task.id in drafted:
        drafts.discard(session, task.id)
    _save(platform, session, instance, live,
          open_rows=[r for r in open_rows if r.status == "ready"], actor=user,
          done_names=done_names | {task.name} if done_names is not None else None,
          pre_event=(lambda rows: returns.reopen_for_last_holder(session, rows, return_to))
          if return_to else None)
    return task


def withdraw_refusal(user: User, instance: Instance) -> ServiceError | None:
    """Why `user` may not withdraw `instance`, None when they may: the one rule behind the API,
    the page and its 撤回 button. A case the service started (a cultivation plan, an annual
    evaluation) is not the talent's application: the programme requires it, so its starter
    cannot withdraw it."""
    if instance.starter_id != user.id:
        return Forbidden("只有申请人可以撤回 / only the applicant may withdraw")
    if instance.process_id in REGISTRY.system_started:
        return Forbidden("该流程由系统自动发起，不能撤回 / a case the service started cannot be "
                         "withdrawn")
    if instance.status != "running":
        return Conflict("案件已结束，不能撤回 / the case has ended")
    return None


def withdraw(platform, session: Session, user: User, instance_id: int, comment: str | None) -> Instance:
    instance = lock_instance(session, instance_id)
    if not access.may_see_instance(user, instance, session):
        raise NotFound("案件不存在 / no such case")
    refusal = withdraw_refusal(user, instance)
    if refusal is not None:
        raise refusal
    live = _load(platform, session, instance)
    live.cancel()
    _record(session, instance, "withdraw", "申请人撤回", user, platform.now(), "withdraw", comment)
    _save(platform, session, instance, live, status="cancelled", actor=user)
    return instance


def migrate(platform, session: Session, user: User, instance_id: int, version: int) -> Instance:
    """Move a running case to another deployed version of its process (admin): allowed when
    each of its open tasks exists there; the case then continues on that version. Also the
    way to rescue a case whose step failed on a broken version."""
    instance = lock_instance(session, instance_id)
    if instance.status != "running":
        raise Conflict("案件已结束，不能迁移 / the case has ended")
    target = definitions.version_of(session, instance.process_id, version)
    if target.id == instance.definition_id:
        return instance
    new = platform.definitions.compiled(session, target)
    live = _load(platform, session, instance)
    missing = []  # moving resets open tasks: the new version's expressions run, as in a step
    _run(platform, session, instance, None,
         lambda _handler: missing.extend(platform.runtime.migrate(live, new)))
    if missing:
        raise Conflict(f"第 {version} 版中没有这些进行中的任务：{'、'.join(missing)} / the open tasks "
                       f"{', '.join(missing)} do not exist in version {version}",
                       {"missing_tasks": missing})
    from_version = instance.version
    instance.definition_id, instance.version = target.id, target.version
    _record(session, instance, "migrate", f"迁移到第 {target.version} 版", user, platform.now(),
            "migrate", f"第 {from_version} 版 → 第 {target.version} 版")
    _run(platform, session, instance, None, live.run)
    _save(platform, session, instance, live, open_rows=case_locks.open_rows(session, instance.id),
          retitle=True)
    return instance


def fire_timers(platform, session: Session, instance_id: int) -> bool:
    """Let the due timers of one waiting case fire (the `timer_events` job), through the same
    lock → load → run → re-index → save path as a user action. Returns whether the case was
    due: the check is repeated under the row lock, so of two schedulers only one acts."""
    instance = lock_instance(session, instance_id)
    now = platform.now()
    if instance.status != "running" or instance.next_timer_at is None or instance.next_timer_at > now:
        return False
    live = _load(platform, session, instance)
    _run(platform, session, instance, None, live.fire_timers)
    _save(platform, session, instance, live)
    return True


def _record(session, instance: Instance, task_name: str, title: str, user: User, at,
            decision: str, comment: str | None, return_to: str | None = None) -> None:
    """One line of the case's history (appended: written with the action's notices)."""
    deferred.insert_row(session, HistoryEvent, {
        "instance_id": instance.id, "task_name": task_name, "title": title, "user_id": user.id,
        "at": at, "decision": decision, "comment": comment, "return_to": return_to})


def _save(platform, session, instance: Instance, live: LiveWorkflow, status: str | None = None,
          open_rows: list[HumanTask] | None = None, actor: User | None = None,
          pre_event=None, retitle: bool = False,
          done_names: frozenset[str] | None = None) -> list[HumanTask]:
    """Save the case, re-index its tasks and raise the notifications of what changed
    (core/events.py) in the same transaction. Returns the task rows it opened. `retitle`:
    see reindex; `done_names`: the steps the case has completed, this action's included,
    when the caller read them under the lock (else events.py asks)."""
    data = live.data
    if status is None:
        status = "completed" if live.completed else "running"
    changes = {"status": status, "data": _json_safe(data), "next_timer_at": live.next_timer_at(),
               "updated_at": platform.now()}
    if isinstance(data.get("name"), str) and data["name"].strip():
        changes["applicant_name"] = data["name"].strip()[:200]
    if status == "completed":
        changes["outcome"] = data.get("outcome")
    state = platform.runtime.dump(live)
    # The saved workflow holds the case data (and each open task's copy): one length check
    # bounds what a step may write, without serializing anything twice.
    if len(state) > MAX_CASE_STATE_CHARS:
        raise Invalid(f"案件数据过大（上限 {MAX_CASE_STATE_CHARS // 1024 // 1024} MB），本次操作未保存 / "
                      f"case data over the limit; nothing was saved",
                      {"data": [f"案件数据不能超过 {MAX_CASE_STATE_CHARS // 1024 // 1024} MB"]})
    changes["state"] = state
    # Written (and its version checked: a stale case raises, 409) with the action's other
    # deferred writes, service/deferred.py; the attributes hold the new values from here on.
    deferred.update(session, instance, changes)
    opened = reindex(platform, session, instance, live, open_rows, retitle=retitle)
    hooks = REGISTRY.hooks.get(instance.process_id)
    if status != "running" and hooks and hooks.on_end:
        hooks.on_end(session, instance)
    session.flush()  # SQLite: the opened tasks' ids, for their notices (deferred.add)
    if pre_event is not None:
        pre_event(opened)
    events.case_changed(platform, session, instance, opened, actor, done_names)
    version = instance.lock_version
    on_commit(session, lambda _s: platform.runtime.remember(instance.id, version, live))
    return opened


def reindex(platform, session: Session, instance: Instance, live: LiveWorkflow,
            rows: list[HumanTask] | None = None, retitle: bool = False) -> list[HumanTask]:
    """Make the human-task index match the workflow's ready user tasks. `rows`: the case's open
    index rows when the caller already read them under the lock (saves a round trip);
    `retitle`: the case moved to another version, open rows take that version's title, form
    and role. Returns the rows it added (the tasks that opened)."""
    if rows is None:
        rows = case_locks.open_rows(session, instance.id)
    indexed = {row.spiff_task_id: row for row in rows}
    ready = {t.id: t for t in live.ready_user_tasks()} if instance.status == "running" else {}
    for spiff_id, row in indexed.items():
        if spiff_id not in ready:
            row.status = "cancelled"
        else:
            row.applicant_name = instance.applicant_name
            if retitle:
                info = live.compiled.task_info(ready[spiff_id].process, ready[spiff_id].name)
                row.title, row.form, row.role = info.title, info.form, info.role
    now = platform.now()
    values = None
    opened = []
    for spiff_id, ready_task in ready.items():
        if spiff_id in indexed:
            continue
        info = live.compiled.task_info(ready_task.process, ready_task.name)
        values = values or platform.settings(session)
        days = settings_store.due_working_days(values, instance.process_id, info.name,
                                               info.due_working_days, info.role is not None)
        row = HumanTask(
            instance_id=instance.id, process_id=instance.process_id, spiff_task_id=spiff_id,
            name=info.name, title=info.title, form=info.form, role=info.role,
            unit_id=instance.unit_id, department_id=instance.department_id,
            assignee_id=instance.starter_id if info.role is None else None,
            starter_id=instance.starter_id,
            applicant_name=instance.applicant_name, status="ready", created_at=now,
            due_at=platform.calendar.due_at(now, days))
        deferred.add(session, row)  # PostgreSQL: its id now, its row with the action's other writes
        opened.append(row)
    return opened


def _json_safe(value):
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def return_targets(platform, session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """回退: (name, title) of the steps a review task may send its case back to — none for a
    task that is not an open review."""
    if task.status != "ready" or task.form != REVIEW_FORM:
        return []
    instance = session.get(Instance, task.instance_id)
    live = _load(platform, session, instance)
    try:
        return returns.targets(live, task.name)
    finally:  # only read: hand the loaded workflow back to the cache
        platform.runtime.remember(instance.id, instance.lock_version, live)

"""Where features plug into the workflow core, so the core never names a process.

A feature (talentflow/features/<name>/) registers at import time: the service-task operations
its diagrams call, its scheduled jobs, its settings, per-process hooks around starting and
ending a case, its outcome labels, its API and page blueprints, its navigation links and the figures it adds
to the summary report. The
core, the HTTP adapters and the scheduler read them from `REGISTRY`.

`talentflow.features` imports every feature; `talentflow.platform` imports that, so any
process that builds a Platform has the full registry."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass
class ProcessHooks:
    """Per-process rules the generic case code calls (each optional).

    before_start(platform, session, user, instance): check the start and fill extra columns
        before the case is inserted (raise a ServiceError to refuse it);
    after_insert(platform, session, user, instance): the case has its id now;
    on_end(session, instance): the case was cancelled or completed (`instance.outcome` set)."""
    before_start: Callable | None = None
    after_insert: Callable | None = None
    on_end: Callable | None = None


@dataclass
class Job:
    name: str
    run: Callable  # (platform, session, as_of) -> summary dict
    default_schedule: str  # crontab, minute hour day month weekday
    description: str


@dataclass
class NavLink:
    """A link in the page header. `roles`: only users holding one of them see it (None: all)."""
    endpoint: str
    label: object  # a lazy_gettext string, translated when the page renders
    roles: tuple[str, ...] | None = None
    # A "start a case" link: 我的申请 shows it as a button labelled `start_label`.
    start_label: object = None
    order: int = 100  # position in the header, smallest first


@dataclass
class Registry:
    operations: dict[str, Callable] = field(default_factory=dict)
    # operation name -> what the process designer's picker calls it (Chinese: a lazy_gettext
    # string in the features). Given where the operation is registered, so a new operation
    # brings its label along.
    operation_labels: dict[str, object] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    hooks: dict[str, ProcessHooks] = field(default_factory=dict)
    # process id -> endpoint of its start page; only these may be started from the web UI
    start_pages: dict[str, str] = field(default_factory=dict)
    outcome_labels: dict[str, object] = field(default_factory=dict)
    # processes only the service itself starts (a user's start is 403)
    system_started: set[str] = field(default_factory=set)
    # form key -> label of its print link: forms the case page offers as a printable paper form
    printable_forms: dict[str, object] = field(default_factory=dict)
    nav: list[NavLink] = field(default_factory=list)
    # form -> field -> fn(session, instance, today) -> [(value, label)]: the values a field may
    # take that live in the database, not in the form (a training-fee claim names one of the
    # talent's own trainings). The pages offer them as a select and show the label for the
    # value; the API keeps taking the value, and the operations keep checking it.
    form_choices: dict[str, dict[str, Callable]] = field(default_factory=dict)
    # notification kind -> its label on /notifications. A kind is declared (notification_kind)
    # where the code that sends it lives, and core/notifications refuses to send an undeclared
    # one, so no kind reaches a user without a label.
    notification_kinds: dict[str, object] = field(default_factory=dict)
    # (session, instance) -> list of notes the case and task pages show every reviewer (e.g.
    # which conditions an exception case does not meet)
    case_notes: list[Callable] = field(default_factory=list)
    api_blueprints: list = field(default_factory=list)
    web_blueprints: list = field(default_factory=list)
    # name -> fn(session, as_of: date) -> JSON value: figures a feature adds to the programme's
    # summary (GET /api/reports/summary), e.g. talents by status, rewards paid per year.
    report_figures: dict[str, Callable] = field(default_factory=dict)

    def operation(self, fn: Callable | None = None, *, label: object = None) -> Callable:
        """Decorator: a server function diagrams may call by name from a service task.
        `@REGISTRY.operation(label=...)` also names it for the process designer (bare
        `@REGISTRY.operation` works too; the designer then shows the key)."""
        def add(fn: Callable) -> Callable:
            if self.operations.get(fn.__name__, fn) is not fn:
                raise ValueError(f"operation {fn.__name__} registered twice")
            self.operations[fn.__name__] = fn
            if label is not None:
                self.operation_labels[fn.__name__] = label
            return fn
        return add if fn is None else add(fn)

    def operation_label(self, name: str) -> object:
        return self.operation_labels.get(name) or name

    def notification_kind(self, kind: str, label: object) -> str:
        """Declare a kind of notification with its label (Chinese; lazy_gettext in the
        features). Returns `kind`, so the sender can keep it in a constant."""
        if kind in self.notification_kinds:
            raise ValueError(f"notification kind {kind} declared twice")
        self.notification_kinds[kind] = label
        return kind

    def job(self, default_schedule: str, description: str) -> Callable:
        """Decorator: a scheduled job, a plain function of (platform, session, as_of)."""
        def add(fn: Callable) -> Callable:
            self.jobs[fn.__name__] = Job(fn.__name__, fn, default_schedule, description)
            return fn
        return add

    def report_figure(self, name: str) -> Callable:
        """Decorator: a figure of the summary report, a plain function of (session, as_of)."""
        def add(fn: Callable) -> Callable:
            if self.report_figures.get(name, fn) is not fn:
                raise ValueError(f"report figure {name} registered twice")
            self.report_figures[name] = fn
            return fn
        return add

    def process_hooks(self, process_id: str) -> ProcessHooks:
        return self.hooks.setdefault(process_id, ProcessHooks())


REGISTRY = Registry()

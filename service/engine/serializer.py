"""Workflow state (de)serialization with the spec kept apart from the instance.

SpiffWorkflow's serializer embeds the whole parsed spec in every saved instance. We keep one
parsed spec per deployed version in memory instead, and save only the task tree: the saved
state shrinks by more than half and a load skips rebuilding the spec (ENGINE-NOTES.md).
Trade-off: SpiffWorkflow's format migrations read the embedded spec, so upgrading the library
across a serializer format change needs a migration run that re-attaches specs.
"""
from __future__ import annotations

import functools
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (BpmnWorkflowConverter, TaskConverter,
                                                            WorkflowConverter)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from .. import jsontext

# SpiffWorkflow's serializer reads any dict holding this key back as one of its own objects
# ({"typename": "timedelta", ...} as a timedelta; an unknown one fails): task data from a user
# holding it would come back as something else, or make the case impossible to load again.
RESERVED_DATA_KEY = "typename"


def reserved_key_path(value) -> list | None:
    """Where `value` (JSON-like data) holds RESERVED_DATA_KEY as a dict key: the path to that
    dict (keys and indices from the top), or None. Walked without recursion: a submitted body
    may nest as deep as the JSON parser allowed."""
    stack = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, dict):
            if RESERVED_DATA_KEY in item:
                return path
            stack.extend((v, path + [k]) for k, v in item.items())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, path + [i]) for i, v in enumerate(item))
    return None


# Task ids parsed once: each id appears four times in a saved state (its key, its own id, its
# parent's and its children's lists) and UUID() is pure Python — a quarter of a load's time.
# A case keeps most of its ids from one version to the next, so a process that loads the
# case again (the other worker saved it) finds them here. UUIDs are immutable: sharing is safe.
_uuid = functools.lru_cache(maxsize=1 << 14)(UUID)
_text = functools.lru_cache(maxsize=1 << 14)(str)  # and written once (UUID.__str__ is Python too)


class _TaskConverter(TaskConverter):
    """SpiffWorkflow 3.2.0's task converter (the version is pinned) with ids parsed and
    written through the memos, and a task's parent looked up once rather than four times;
    what it saves and restores is the same (tests/test_engine_serializer.py compares them)."""

    def to_dict(self, task):
        parent = task.parent
        if parent is None:
            data, delta = task.data, {}
        else:  # saved as its changes to its parent's data
            data = {}
            delta = {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                     "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
        return {"id": _text(task.id),
                "parent": _text(task._parent) if parent is not None else None,
                "children": [_text(child) for child in task._children],
                "last_state_change": task.last_state_change, "state": task.state,
                "task_spec": task.task_spec.name, "triggered": task.triggered,
                "internal_data": self.registry.convert(task.internal_data),
                "data": data, "delta": delta}

    def from_dict(self, dct, workflow):
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_uuid(dct["id"]))
        task._parent = _uuid(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_uuid(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:  # saved as its changes to its parent's data
            data = DeepMerge.merge({}, parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class _SpecApartConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        _point_removed_specs_at_start(dct, dct["_spec"], dct["_subprocess_specs"])
        workflow = self.target_class(dct.pop("_spec"), dct.pop("_subprocess_specs"),
                                     deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _point_removed_specs_at_start(dct, spec, subprocess_specs) -> None:
    """A case migrated to a version that removed a step it had already done keeps finished
    tasks of that step; they load pointing at the version's start spec (never run again)."""
    for task in dct["tasks"].values():
        if task["task_spec"] not in spec.task_specs:
            task["task_spec"] = spec.start.name
    for sub in dct.get("subprocesses", {}).values():
        sub_spec = subprocess_specs.get(sub.get("spec")) if isinstance(sub.get("spec"), str) else None
        if sub_spec is not None:
            for task in sub["tasks"].values():
                if task["task_spec"] not in sub_spec.task_specs:
                    task["task_spec"] = sub_spec.start.name


class StateSerializer:
    VERSION_KEY = BpmnWorkflowSerializer.VERSION_KEY

    def __init__(self):
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _SpecApartConverter
        config[Task] = _TaskConverter
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))
        self._encode = self._serializer._encoder_cls().default

    @property
    def registry(self):
        return self._serializer.registry

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """SpiffWorkflow's serialize_json, written by jsontext (orjson). The one difference in
        meaning: a UUID in task data is saved as its text, where SpiffWorkflow's encoder tagged
        it to read it back as a UUID — no diagram can make one (safe_eval.py), and the engine's
        own ids are saved as text by the converters either way."""
        registry = self._serializer.registry
        registry._encoder_mode = True  # as serialize_json: typed values are left to `default`
        try:
            dct = self._serializer.to_dict(workflow)
            dct[self.VERSION_KEY] = self._serializer.VERSION
            return jsontext.dumps(dct, default=self._encode)
        finally:
            registry._encoder_mode = False

    def loads(self, state: str, spec, subprocess_specs) -> BpmnWorkflow:
        dct = jsontext.loads(state)
        dct.pop(self.VERSION_KEY, None)
        dct["_spec"] = spec
        dct["_subprocess_specs"] = subprocess_specs
        return self._serializer.from_dict(dct)

"""Workflow state (de)serialization with the spec kept apart from the instance.

SpiffWorkflow's serializer embeds the whole parsed spec in every saved instance. We keep one
parsed spec per deployed version in memory instead, and save only the task tree: the saved
state shrinks by more than half and a load skips rebuilding the spec (ENGINE-NOTES.md).
Trade-off: SpiffWorkflow's format migrations read the embedded spec, so upgrading the library
across a serializer format change needs a migration run that re-attaches specs.
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


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
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
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
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))

    @property
    def registry(self):
        return self._serializer.registry

    def dumps(self, workflow: BpmnWorkflow) -> str:
        return self._serializer.serialize_json(workflow)

    def loads(self, state: str, spec, subprocess_specs) -> BpmnWorkflow:
        dct = json.loads(state)
        dct.pop(self.VERSION_KEY, None)
        dct["_spec"] = spec
        dct["_subprocess_specs"] = subprocess_specs
        return self._serializer.from_dict(dct)

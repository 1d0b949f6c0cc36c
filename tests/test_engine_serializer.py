"""The engine adapter's own task converter (ids parsed once, service/engine/serializer.py)
restores exactly what SpiffWorkflow's stock converter restores, and saves a loaded case back
to the very text it was loaded from — on cases of several shapes: a selection case at its
review, a case inside a sub-process, one waiting on a timer (its catching event registered),
and one with multi-instance tasks open."""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import TaskConverter
from SpiffWorkflow.task import Task

from designer_helpers import deployed, diagram, work_case
from flows import submit_selection
from talentflow.engine import serializer as state_serializer
from talentflow.models import Instance


def _stock() -> BpmnWorkflowSerializer:
    """A serializer with SpiffWorkflow's own TaskConverter (the spec kept apart as ours
    keeps it)."""
    config = dict(state_serializer.SPIFF_CONFIG)
    config[BpmnWorkflow] = state_serializer._SpecApartConverter
    config[Task] = TaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def _stock_loads(state: str, compiled) -> BpmnWorkflow:
    dct = json.loads(state)
    dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
    dct["_spec"], dct["_subprocess_specs"] = compiled.spec, compiled.subprocess_specs
    return _stock().from_dict(dct)


def _tasks(wf: BpmnWorkflow) -> list[tuple]:
    found = []
    for workflow in [wf, *wf.subprocesses.values()]:
        for task_id, task in sorted(workflow.tasks.items(), key=lambda item: str(item[0])):
            found.append((task_id, task.id, task._parent, list(task._children), task.state,
                          task.task_spec.name, task.last_state_change, task.triggered,
                          task.internal_data, task.data, task.workflow is workflow))
    return found


def _waiting(wf: BpmnWorkflow) -> list[str]:
    return sorted(str(task.id) for task in wf.event_manager.tasks.values())


def _cases(api, platform) -> dict[str, int]:
    selection = submit_selection(api)
    deployed(api, diagram("tf_subprocess.bpmn"))
    sub = api.start("tf_subprocess", "applicant").get_json()["id"]
    work_case(api, sub, {"fill": {"x": 1}}, steps=1)
    deployed(api, diagram("tf_timer.bpmn"))
    timer = api.start("tf_timer", "applicant").get_json()["id"]
    work_case(api, timer, {"fill": {}}, steps=1)
    deployed(api, diagram("tf_multi.bpmn"))
    multi = api.start("tf_multi", "applicant").get_json()["id"]
    work_case(api, multi, {"fill": {"items": ["论文", "专利"]}}, steps=1)
    return {"selection": selection, "sub_process": sub, "timer": timer, "multi": multi}


def test_our_task_converter_restores_what_spiffworkflows_restores(api, platform):
    runtime = platform.runtime
    for shape, case_id in _cases(api, platform).items():
        with platform.sessions() as session:
            instance = session.get(Instance, case_id)
            state = instance.state
            compiled = platform.definitions.compiled_by_id(session, instance.definition_id)
        ours = runtime.serializer.loads(state, compiled.spec, compiled.subprocess_specs)
        stock = _stock_loads(state, compiled)
        assert _tasks(ours) == _tasks(stock), shape
        assert ours.task_tree.id == stock.task_tree.id, shape
        assert _waiting(ours) == _waiting(stock), shape
        if shape == "timer":
            assert _waiting(ours), "the timer's catching event is registered"
        if shape == "sub_process":
            assert ours.subprocesses, "the sub-workflow is restored"
        # saved again unchanged, it is the same text, and what SpiffWorkflow's converter writes
        # (its json text; ours is orjson's: service/jsontext.py)
        assert runtime.serializer.dumps(ours) == state, shape
        assert json.loads(_stock().serialize_json(stock)) == json.loads(state), shape


def test_typed_task_data_is_saved_as_spiffworkflows_encoder_saves_it(api, platform):
    """Timestamps, durations and sets in task data go through SpiffWorkflow's encoder (the
    `default` of the orjson writer), so they read back as what they were."""
    from datetime import datetime, timedelta
    runtime = platform.runtime
    case_id = submit_selection(api)
    with platform.sessions() as session:
        instance = session.get(Instance, case_id)
        compiled = platform.definitions.compiled_by_id(session, instance.definition_id)
        state = instance.state
    typed = {"at": datetime(2026, 12, 1, 9, 30, 15, 120),
             "within": timedelta(days=3, seconds=5), "tags": {"论文"}, "名称": "人才 ☆",
             "nested": [{"at": datetime(2027, 1, 1)}], "big": 2 ** 70}
    ours = runtime.serializer.loads(state, compiled.spec, compiled.subprocess_specs)
    stock = _stock_loads(state, compiled)
    for wf in (ours, stock):
        wf.last_task.data.update(typed)
    written = runtime.serializer.dumps(ours)
    assert json.loads(written) == json.loads(_stock().serialize_json(stock))
    again = runtime.serializer.loads(written, compiled.spec, compiled.subprocess_specs)
    restored = again.get_task_from_id(ours.last_task.id).data
    assert restored["at"] == typed["at"] and restored["within"] == typed["within"]
    assert restored["nested"] == typed["nested"] and restored["big"] == typed["big"]
    assert restored["tags"] == ["论文"] and restored["名称"] == "人才 ☆"

"""The BPMN the engine runs: sub-processes, call activities, inclusive and event-based
gateways, multi-instance, manual/send tasks, timers, boundary errors and signals deploy
through the API and run to the end, with every human task in the calling case's inbox."""
from __future__ import annotations

from datetime import timedelta

from designer_helpers import deploy, deployed, diagram, open_tasks, work_case

from talentflow.core.timers import timer_events


def start(api, process_id, user="applicant"):
    r = api.start(process_id, user)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def finished(api, instance_id):
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "completed", case
    return case


def test_embedded_sub_process_and_manual_task(api):
    deployed(api, diagram("tf_subprocess.bpmn"))
    case_id = start(api, "tf_subprocess")
    assert work_case(api, case_id, {"fill": {"x": 1}}, steps=1) == ["fill"]
    # the task inside the sub-process is in the org reviewer's inbox, on this case
    [(user, task)] = open_tasks(api, case_id)
    assert (user, task["name"], task["title"], task["role"]) == (
        "org_reviewer", "inner_review", "子流程审核", "org_reviewer")
    assert api.instance(case_id, "applicant")["status"] == "running"
    done = work_case(api, case_id, {"confirm": {"confirmed": True}})
    assert done == ["inner_review", "confirm"]  # the manual task is a human task (the starter's)
    case = finished(api, case_id)
    assert case["outcome"] == "done"
    assert [h["name"] for h in case["history"]] == ["fill", "inner_review", "confirm"]


def test_call_activity_runs_the_deployed_process_inside_the_case(api):
    r = deploy(api, diagram("tf_caller.bpmn"))
    assert r.status_code == 422 and "tf_called" in str(r.get_json()), r.get_json()
    deployed(api, diagram("tf_called.bpmn"))
    assert deployed(api, diagram("tf_caller.bpmn"))["version"] == 1
    case_id = start(api, "tf_caller")
    work_case(api, case_id, {"fill": {}}, steps=1)
    [(user, task)] = open_tasks(api, case_id)
    assert (user, task["name"], task["process_id"]) == ("hr_reviewer", "called_review", "tf_caller")
    # the called process's form applies (a review needs its decision)
    r = api.complete(task["id"], {"comment": "x"}, "hr_reviewer")
    assert r.status_code == 422, r.get_json()
    work_case(api, case_id)
    case = finished(api, case_id)
    assert case["outcome"] == "called_approve"
    assert [h["name"] for h in case["history"]] == ["fill", "called_review"]


def test_called_process_changed_later_does_not_change_running_callers(api):
    deployed(api, diagram("tf_called.bpmn"))
    deployed(api, diagram("tf_caller.bpmn"))
    case_id = start(api, "tf_caller")
    v2 = diagram("tf_called.bpmn").replace('name="被调用流程审核"', 'name="被调用流程审核（第二版）"')
    assert deployed(api, v2)["version"] == 2
    work_case(api, case_id, {"fill": {}}, steps=1)
    [(_, task)] = open_tasks(api, case_id)
    assert task["title"] == "被调用流程审核"  # resolved when the caller was deployed
    work_case(api, case_id)
    assert finished(api, case_id)["outcome"] == "called_approve"


def test_inclusive_gateway_opens_the_branches_whose_conditions_hold(api):
    deployed(api, diagram("tf_inclusive.bpmn"))
    both = start(api, "tf_inclusive")
    work_case(api, both, {"fill": {"need_org": True, "need_hr": True}}, steps=1)
    assert sorted(t["name"] for _, t in open_tasks(api, both)) == ["hr_check", "org_check"]
    work_case(api, both)
    assert finished(api, both)["outcome"] == "checked"
    neither = start(api, "tf_inclusive")
    assert work_case(api, neither, {"fill": {"need_org": False, "need_hr": False}}) == ["fill"]
    assert finished(api, neither)["outcome"] == "checked"


def test_a_multi_instance_collection_over_the_limit_is_refused_before_its_tasks_exist(api):
    """A parallel multi-instance task makes one task per item of its collection, all at once:
    1,001 items from a form is 422 on the step (nothing saved), 1,000 is allowed."""
    deployed(api, diagram("tf_multi.bpmn"))
    case_id = start(api, "tf_multi")
    [(_, fill)] = open_tasks(api, case_id)
    r = api.complete(fill["id"], {"items": list(range(1001))}, "applicant")
    assert r.status_code == 422, r.get_json()
    assert "1000" in r.get_json()["message"]
    assert [t["name"] for _, t in open_tasks(api, case_id)] == ["fill"]  # nothing was saved
    r = api.complete(fill["id"], {"items": ["论文", "专利"]}, "applicant")
    assert r.status_code == 200, r.get_json()
    assert [t["name"] for _, t in open_tasks(api, case_id)] == ["review_item"] * 2


def test_multi_instance_instances_carry_the_task_id(api):
    deployed(api, diagram("tf_multi.bpmn"))
    case_id = start(api, "tf_multi")
    work_case(api, case_id, {"fill": {"items": ["论文", "专利", "项目"]}}, steps=1)
    tasks = open_tasks(api, case_id)
    assert [(u, t["name"], t["title"]) for u, t in tasks] == [
        ("org_reviewer", "review_item", "逐项审核")] * 3
    # finishing one instance leaves its siblings open, never reopens it
    r = api.complete(tasks[0][1]["id"], {"result": "ok"}, "org_reviewer")
    assert r.status_code == 200, r.get_json()
    assert len(open_tasks(api, case_id)) == 2
    work_case(api, case_id, {"review_item": {"result": "ok"}})
    case = finished(api, case_id)
    assert case["outcome"] == "reviewed_3"
    assert [h["name"] for h in case["history"]] == ["fill"] + ["review_item"] * 3


def test_timer_event_waits_for_the_timer_job(api, platform):
    deployed(api, diagram("tf_timer.bpmn"))
    case_id = start(api, "tf_timer")
    work_case(api, case_id, {"fill": {}}, steps=1)
    assert open_tasks(api, case_id) == []
    with platform.transaction() as session:
        assert timer_events(platform, session, platform.today() + timedelta(days=1))["fired"] == 0
    with platform.transaction() as session:
        assert timer_events(platform, session, platform.today() + timedelta(days=4))["fired"] == 1
    assert work_case(api, case_id, {"after_wait": {}}) == ["after_wait"]
    assert finished(api, case_id)["outcome"] == "waited"


def test_boundary_error_event_takes_the_error_path(api):
    deployed(api, diagram("tf_error.bpmn"))
    bad = start(api, "tf_error")
    assert work_case(api, bad, {"fill": {"documents_complete": False},
                                "fix_documents": {}}) == ["fill", "fix_documents"]
    assert finished(api, bad)["outcome"] == "fixed"
    good = start(api, "tf_error")
    assert work_case(api, good, {"fill": {"documents_complete": True}}) == ["fill"]
    assert finished(api, good)["outcome"] == "complete"


def test_signal_event_based_gateway_and_send_task(api, platform):
    deployed(api, diagram("tf_signal.bpmn"))
    case_id = start(api, "tf_signal")
    assert work_case(api, case_id, {"prepare": {}}) == ["prepare"]
    assert finished(api, case_id)["outcome"] == "signalled"
    # the other branch: nobody prepares, the event-based gateway's timer wins
    late = start(api, "tf_signal")
    with platform.transaction() as session:
        assert timer_events(platform, session, platform.today() + timedelta(days=31))["fired"] == 1
    assert api.instance(late, "applicant")["data"].get("outcome") in (None, "timed_out")
    assert work_case(api, late, {"prepare": {}}) == ["prepare"]
    assert finished(api, late)["outcome"] == "timed_out"


def test_not_executable_is_refused_saying_so(api):
    doc = diagram("tf_timer.bpmn").replace('isExecutable="true"', 'isExecutable="false"')
    r = deploy(api, doc)
    assert r.status_code == 422
    assert "isExecutable" in str(r.get_json()) and "不可执行" in str(r.get_json())


def test_a_diagram_looping_on_automatic_steps_is_stopped_not_completed(api):
    deployed(api, diagram("tf_endless.bpmn"))
    r = api.start("tf_endless", "applicant")
    assert r.status_code == 400, r.get_json()
    assert "参考编号" in r.get_json()["message"]  # the engine's text goes to the log only
    mine = api.get("/api/instances?process_id=tf_endless", "applicant").get_json()
    assert mine == []  # nothing was saved


def test_call_activity_cycles_are_refused(api):
    own = diagram("tf_called.bpmn").replace(
        '<bpmn:endEvent id="c_end">',
        '<bpmn:callActivity id="again" calledElement="tf_called"><bpmn:incoming>c3</bpmn:incoming>'
        '<bpmn:outgoing>c4</bpmn:outgoing></bpmn:callActivity>'
        '<bpmn:sequenceFlow id="c4" sourceRef="again" targetRef="c_end" />'
        '<bpmn:endEvent id="c_end">').replace('<bpmn:endEvent id="c_end"><bpmn:incoming>c3</bpmn:incoming>',
                                              '<bpmn:endEvent id="c_end"><bpmn:incoming>c4</bpmn:incoming>')
    own = own.replace('targetRef="c_end" />\n  </bpmn:process>', 'targetRef="again" />\n  </bpmn:process>')
    r = deploy(api, own)
    assert r.status_code == 422 and "循环" in str(r.get_json()), r.get_json()
    # through a deployed process: tf_caller calls tf_called, a new tf_called calling tf_caller
    deployed(api, diagram("tf_called.bpmn"))
    deployed(api, diagram("tf_caller.bpmn"))
    back = own.replace('calledElement="tf_called"', 'calledElement="tf_caller"')
    r = deploy(api, back)
    assert r.status_code == 422 and "tf_called → tf_caller → tf_called" in str(r.get_json()), r.get_json()

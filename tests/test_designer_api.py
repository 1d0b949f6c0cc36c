"""Process designer API: validation (the same code as deploy, one test per problem kind),
hostile documents, versions with their XML and forms, and moving running cases between
versions (CONTRACT.md, "Process designer (admin)")."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from designer_helpers import WORKFLOWS, deploy, deployed, diagram, open_tasks, validate, work_case
from flows import QUALIFICATION, submit_selection

from talentflow.core.forms import FormRegistry

SELECTION = (WORKFLOWS / "talent_selection.bpmn").read_text(encoding="utf-8")
REWARD_DMN = (WORKFLOWS / "reward_amounts.dmn").read_text(encoding="utf-8")


def replace_once(text, old, new):
    assert text.count(old) == 1, (old, text.count(old))
    return text.replace(old, new)


def with_extra_review(doc=SELECTION):
    """The selection diagram with one more review (组织部预审) after the unit's approval."""
    doc = replace_once(doc, 'sourceRef="gw_unit_review" targetRef="gw_has_department">',
                       'sourceRef="gw_unit_review" targetRef="extra_review">')
    doc = replace_once(doc, '<bpmn:flowNodeRef>reset_qualification_reviews</bpmn:flowNodeRef>',
                       '<bpmn:flowNodeRef>reset_qualification_reviews</bpmn:flowNodeRef>\n'
                       '        <bpmn:flowNodeRef>extra_review</bpmn:flowNodeRef>')
    return replace_once(doc, '    <bpmn:startEvent id="start" name="发起申请">', '''    <bpmn:userTask id="extra_review" name="组织部预审">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="form" value="review" /></spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_extra_review__gw_has_department" sourceRef="extra_review" targetRef="gw_has_department" />
    <bpmn:startEvent id="start" name="发起申请">''')


def problems_of(api, doc):
    """Validate, then deploy: both report the same problems, and nothing is deployed."""
    before = api.get("/api/admin/processes", "admin").get_json()
    r = validate(api, doc)
    assert r.status_code == 200, r.get_data()[:500]
    body = r.get_json()
    assert body["valid"] is False and body["problems"], body
    for p in body["problems"]:
        assert set(p) >= {"element_id", "message", "line"} and isinstance(p["message"], str)
    d = deploy(api, doc)
    assert d.status_code == 422, d.get_json()
    deployed_messages = [m for ms in d.get_json()["errors"].values() for m in ms]
    for p in body["problems"]:
        assert any(m.startswith(p["message"]) for m in deployed_messages), (p, deployed_messages)
    assert api.get("/api/admin/processes", "admin").get_json() == before
    return body["problems"]


def test_shipped_and_corpus_diagrams_validate(api):
    for name in ("talent_selection.bpmn", "reward_application.bpmn", "annual_evaluation.bpmn",
                 "reward_amounts.dmn"):
        r = validate(api, (WORKFLOWS / name).read_text(encoding="utf-8"))
        assert r.status_code == 200 and r.get_json()["valid"] is True, (name, r.get_json())
        assert r.get_json()["problems"] == []
    r = validate(api, with_extra_review())
    assert r.get_json() == {"valid": True, "problems": [], "kind": "bpmn"}
    versions = {(v["process_id"], v["version"]) for v in api.get("/api/admin/processes", "admin").get_json()}
    assert ("talent_selection", 2) not in versions  # validating deploys nothing


def test_parse_error_has_its_line(api):
    [p] = problems_of(api, '<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn='
                           '"http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process id="x">\n'
                           '</bpmn:definitions>\n')
    assert p["line"] == 4 and "解析错误" in p["message"]


def test_element_the_engine_cannot_run(api):
    doc = replace_once(SELECTION, '    <bpmn:startEvent id="start" name="发起申请">',
                       '    <bpmn:complexGateway id="complex" />\n    <bpmn:startEvent id="start" name="发起申请">')
    found = [p for p in problems_of(api, doc) if p["element_id"] == "complex"]
    assert any("复杂网关" in p["message"] and p["line"] > 1 for p in found), found


def test_lane_naming_no_role(api):
    doc = replace_once(SELECTION, 'name="department_reviewer">', 'name="部门审核">')
    [p] = problems_of(api, doc)
    assert (p["element_id"], "不是角色" in p["message"]) == ("Lane_department_reviewer", True)


def test_unknown_form_and_unknown_operation(api):
    doc = replace_once(SELECTION, 'value="submit_application"', 'value="no_such_form"')
    doc = replace_once(doc, 'serviceTaskOperator id="derive_applicant_facts"',
                       'serviceTaskOperator id="drop_tables"')
    found = {p["element_id"]: p["message"] for p in problems_of(api, doc)}
    assert "表单不存在" in found["submit_application"]
    assert "未注册的服务操作" in found["svc_derive_applicant_facts"]


@pytest.mark.parametrize("expression", [
    "__import__('os').system('true')",
    "starter.__class__.__mro__[1].__subclasses__()",
    "starter['has_department'].__class__",
])
def test_unsafe_expression(api, expression):
    doc = replace_once(SELECTION, ">starter['has_department']</bpmn:conditionExpression>",
                       f">{expression}</bpmn:conditionExpression>")
    [p] = problems_of(api, doc)
    assert "不允许" in p["message"] and p["line"]


def test_unsafe_script(api):
    doc = replace_once(SELECTION, "<bpmn:script>outcome = 'registered'</bpmn:script>",
                       "<bpmn:script>x = ().__class__.__bases__[0].__subclasses__()</bpmn:script>")
    [p] = problems_of(api, doc)
    assert p["element_id"] == "set_registered" and "不允许的脚本" in p["message"]


def test_unreachable_node(api):
    doc = replace_once(SELECTION, '    <bpmn:startEvent id="start" name="发起申请">',
                       '    <bpmn:userTask id="orphan" name="孤立任务" />\n'
                       '    <bpmn:startEvent id="start" name="发起申请">')
    [p] = problems_of(api, doc)
    assert p["element_id"] == "orphan" and "无法从开始事件到达" in p["message"]


def _gateway(doc, conditions):
    doc = replace_once(doc, 'default="flow_gw_has_department__reset_qualification_reviews"', '')
    doc = replace_once(doc, 'sourceRef="gw_has_department" targetRef="reset_qualification_reviews" />',
                       'sourceRef="gw_has_department" targetRef="reset_qualification_reviews">'
                       f'<bpmn:conditionExpression>{conditions}</bpmn:conditionExpression></bpmn:sequenceFlow>')
    return doc


def test_gateway_without_default_and_incomplete_conditions(api):
    doc = replace_once(SELECTION, 'default="flow_gw_has_department__reset_qualification_reviews"', '')
    [p] = problems_of(api, doc)  # one flow has no condition at all
    assert p["element_id"] == "gw_has_department" and "缺少条件" in p["message"]
    [p] = problems_of(api, _gateway(SELECTION, "starter['unit_id'] == 3"))
    assert p["element_id"] == "gw_has_department" and "条件不能覆盖所有情况" in p["message"]
    # `x` and `not x` cover every case: no default needed
    r = validate(api, _gateway(SELECTION, "not starter['has_department']"))
    assert r.get_json()["valid"] is True, r.get_json()


def test_call_activity_naming_no_deployed_process(api):
    [p] = problems_of(api, diagram("tf_caller.bpmn"))
    assert p["element_id"] == "call" and "tf_called" in p["message"] and "未部署" in p["message"]
    deployed(api, diagram("tf_called.bpmn"))
    assert validate(api, diagram("tf_caller.bpmn")).get_json()["valid"] is True


def test_dmn_cell_that_does_not_parse(api):
    doc = replace_once(REWARD_DMN, "<text>20000</text>", "<text>20000 +* 1</text>")
    [p] = problems_of(api, doc)
    assert "语法错误" in p["message"] and p["line"]


def test_not_executable(api):
    doc = replace_once(SELECTION, 'isExecutable="true"', 'isExecutable="false"')
    [p] = problems_of(api, doc)
    assert "isExecutable" in p["message"] and "不可执行" in p["message"]


BILLION_LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                  '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
                  '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
                  '<bpmn:process id="lol" name="&c;" /></bpmn:definitions>')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">'
       '<bpmn:process id="xxe" name="&x;" /></bpmn:definitions>')


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE], ids=["entity-expansion", "xxe"])
def test_hostile_xml_is_refused_unexpanded(api, doc):
    [p] = problems_of(api, doc)
    assert "DOCTYPE" in p["message"]
    body = validate(api, doc).get_data(as_text=True)
    assert "aaaaaaaaaa" not in body and "root:" not in body


def test_fifty_megabytes_are_refused_unread(api):
    big = b'<?xml version="1.0"?><bpmn:definitions>' + b" " * (50 * 1024 * 1024)
    for path in ("/api/admin/processes/validate", "/api/admin/processes"):
        r = api.client.post(path, data=big, headers={**api.headers("admin"),
                                                     "Content-Type": "application/xml"})
        assert r.status_code == 413, (path, r.status_code)
        assert isinstance(r.get_json()["message"], str)


def test_only_the_admin(api):
    for user in ("applicant", "org_reviewer", "leadership"):
        assert validate(api, SELECTION, user).status_code == 403
        assert api.get("/api/admin/processes", user).status_code == 403
        assert api.get("/api/admin/processes/talent_selection/versions/1", user).status_code == 403
        assert api.post("/api/admin/instances/1/migrate", {"version": 1}, user).status_code == 403
    assert api.client.post("/api/admin/processes/validate", data=b"<x/>").status_code == 401


# --- versions -------------------------------------------------------------------------------

def test_versions_list_and_xml(api):
    running = submit_selection(api)
    assert running
    v2 = with_extra_review()
    assert deployed(api, v2)["version"] == 2
    rows = api.get("/api/admin/processes", "admin").get_json()
    mine = {(r["process_id"], r["version"]): r for r in rows}
    v1, new = mine[("talent_selection", 1)], mine[("talent_selection", 2)]
    assert set(v1) >= {"process_id", "name", "version", "deployed_at", "deployed_by",
                       "running_instances"}
    assert (v1["running_instances"], new["running_instances"]) == (1, 0)
    assert (v1["deployed_by"], new["deployed_by"]) == (None, "admin")  # v1: shipped at init-db
    assert new["name"] == "人才培养对象选拔"
    assert ("reward_amounts", 1) in mine and mine[("reward_amounts", 1)]["kind"] == "dmn"
    r = api.get("/api/admin/processes/talent_selection/versions/2", "admin")
    assert r.status_code == 200 and r.mimetype == "application/xml"
    assert r.get_data(as_text=True) == v2
    assert api.get("/api/admin/processes/talent_selection/versions/1", "admin").get_data(as_text=True) == SELECTION
    assert api.get("/api/admin/processes/talent_selection/versions/9", "admin").status_code == 404
    assert api.get("/api/admin/processes/nope/versions/1", "admin").status_code == 404


def test_changed_selection_diagram_old_cases_old_path_new_cases_new(api):
    old = submit_selection(api)
    deployed(api, with_extra_review())
    new = submit_selection(api, "applicant2")
    # the old case never sees the extra review
    api.review(old, "unit_reviewer", "unit_review")
    assert [t["name"] for _, t in open_tasks(api, old)] == ["department_review"]
    api.review(old, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        api.review(old, user, name)
    api.review(old, "leadership", "leadership_approval")
    case = api.instance(old, "applicant")
    assert (case["version"], case["outcome"]) == (1, "registered")
    assert "extra_review" not in [h["name"] for h in case["history"]]
    # the new one takes it
    api.review(new, "unit_reviewer2", "unit_review")
    api.review(new, "org_reviewer", "extra_review")
    api.review(new, "department_reviewer2", "department_review")
    for user, name in QUALIFICATION:
        api.review(new, user, name)
    api.review(new, "leadership", "leadership_approval")
    case = api.instance(new, "applicant2")
    assert (case["version"], case["outcome"]) == (2, "registered")
    assert [h["name"] for h in case["history"]][:3] == ["submit_application", "unit_review", "extra_review"]


def test_forms_are_versioned_with_the_process(api, platform, tmp_path):
    deployed(api, diagram("tf_called.bpmn"))
    deployed(api, diagram("tf_caller.bpmn"))
    old = api.start("tf_caller", "applicant").get_json()["id"]
    work_case(api, old, {"fill": {}}, steps=1)
    # the review form changes on disk: it now also needs a `score`
    changed = tmp_path / "forms"
    changed.mkdir()
    for path in platform.forms.directory.glob("*.json"):
        (changed / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    review = json.loads((changed / "review.json").read_text(encoding="utf-8"))
    review["properties"]["score"] = {"type": "integer", "title": "评分"}
    review["required"] = [*review.get("required", []), "score"]
    (changed / "review.json").write_text(json.dumps(review, ensure_ascii=False), encoding="utf-8")
    platform.forms = platform.definitions._forms = FormRegistry(changed)
    deployed(api, diagram("tf_called.bpmn"))
    deployed(api, diagram("tf_caller.bpmn"))
    new = api.start("tf_caller", "applicant").get_json()["id"]
    work_case(api, new, {"fill": {}}, steps=1)
    [(_, new_task)] = open_tasks(api, new)
    [(_, old_task)] = open_tasks(api, old)
    assert "score" in api.get(f"/api/tasks/{new_task['id']}", "hr_reviewer").get_json()["form"]["properties"]
    assert "score" not in api.get(f"/api/tasks/{old_task['id']}", "hr_reviewer").get_json()["form"]["properties"]
    approve = {"decision": "approve", "comment": "同意"}
    assert api.complete(new_task["id"], approve, "hr_reviewer").status_code == 422
    assert api.complete(old_task["id"], approve, "hr_reviewer").status_code == 200
    assert api.complete(new_task["id"], {**approve, "score": 5}, "hr_reviewer").status_code == 200


# --- migration ------------------------------------------------------------------------------

def migrate(api, instance_id, version):
    return api.post(f"/api/admin/instances/{instance_id}/migrate", {"version": version}, "admin")


def test_migrate_to_a_version_that_has_the_open_task(api):
    case_id = submit_selection(api)  # waiting at unit_review, on version 1
    deployed(api, with_extra_review())
    r = migrate(api, case_id, 2)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["version"] == 2
    assert api.instance(case_id, "applicant")["version"] == 2
    # it continues on version 2: the extra review comes after the unit's approval
    api.review(case_id, "unit_reviewer", "unit_review")
    assert [t["name"] for _, t in open_tasks(api, case_id)] == ["extra_review"]
    api.review(case_id, "org_reviewer", "extra_review")
    api.review(case_id, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        api.review(case_id, user, name)
    api.review(case_id, "leadership", "leadership_approval")
    case = api.instance(case_id, "applicant")
    assert (case["status"], case["outcome"], case["version"]) == ("completed", "registered", 2)
    assert "migrate" in [h["name"] for h in case["history"]]


def test_migrate_refused_naming_the_missing_task(api):
    deployed(api, with_extra_review())
    case_id = submit_selection(api)  # version 2
    api.review(case_id, "unit_reviewer", "unit_review")  # now at extra_review
    r = migrate(api, case_id, 1)
    assert r.status_code == 409, r.get_json()
    assert "extra_review" in r.get_json()["message"]
    assert r.get_json()["errors"]["missing_tasks"] == ["extra_review"]
    assert api.instance(case_id, "applicant")["version"] == 2
    assert [t["name"] for _, t in open_tasks(api, case_id)] == ["extra_review"]
    assert migrate(api, case_id, 7).status_code == 404
    assert api.post(f"/api/admin/instances/{case_id}/migrate", {"version": "x"}, "admin").status_code == 422


PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="probe" name="迁移探针" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="fill" name="填写">{pre_script}</bpmn:userTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="fill"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fill" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_migration_runs_the_new_version_s_scripts_in_the_restricted_evaluator(api, platform):
    """Moving a case resets its open task, which runs the new version's pre-script. It ran on
    SpiffWorkflow's own engine (every builtin: a `key=exec` ran a string of the admin's) when
    the case was loaded from the database, not from this process's memory. `str(object)` passes
    the deploy check and only Python's own builtins have it: refused, nothing is saved."""
    deployed(api, PROBE.format(pre_script=""))
    case_id = api.start("probe", "applicant").get_json()["id"]
    script = ("<bpmn:extensionElements><spiffworkflow:preScript>marker = str(object)"
              "</spiffworkflow:preScript></bpmn:extensionElements>")
    deployed(api, PROBE.format(pre_script=script))
    platform.runtime._cache.clear()  # as in another worker, or after a restart
    r = migrate(api, case_id, 2)
    assert r.status_code in (400, 422), r.get_json()
    assert "reference" in r.get_json()["errors"]  # the user gets a reference, the log the text
    case = api.instance(case_id, "applicant")
    assert case["version"] == 1 and "marker" not in case["data"]


def renamed_unit_review():
    """The shipped selection diagram with its step `unit_review` renamed `unit_check`."""
    d = SELECTION.replace('<bpmn:userTask id="unit_review"', '<bpmn:userTask id="unit_check"')
    for old, new in (('targetRef="unit_review"', 'targetRef="unit_check"'),
                     ('sourceRef="unit_review"', 'sourceRef="unit_check"'),
                     ("<bpmn:flowNodeRef>unit_review</bpmn:flowNodeRef>",
                      "<bpmn:flowNodeRef>unit_check</bpmn:flowNodeRef>"),
                     ('bpmnElement="unit_review"', 'bpmnElement="unit_check"'),
                     ("unit_review['decision']", "unit_check['decision']")):
        d = d.replace(old, new)
    return d


def test_migrate_refused_when_the_open_step_was_renamed(api):
    """The engine's diff pairs steps by their place in the diagram; the open task must still
    exist under its own id, or the case would be stuck on the new version."""
    case_id = submit_selection(api)  # open: unit_review on version 1
    assert deploy(api, renamed_unit_review()).status_code == 201
    r = migrate(api, case_id, 2)
    assert r.status_code == 409, r.get_json()
    assert r.get_json()["errors"]["missing_tasks"] == ["unit_review"]
    assert api.instance(case_id, "applicant")["version"] == 1
    api.review(case_id, "unit_reviewer", "unit_review")   # the case goes on, on version 1


def test_a_non_executable_process_beside_the_main_one_is_refused(api):
    doc = diagram("tf_called.bpmn").replace(
        "</bpmn:definitions>",
        '<bpmn:process id="tf_external" name="外部" isExecutable="false"/>\n</bpmn:definitions>')
    r = deploy(api, doc)
    assert r.status_code == 422, r.get_json()
    assert "不可执行" in str(r.get_json()) and "tf_external" in str(r.get_json())


def test_migrate_back_past_a_removed_finished_step_still_finishes(api):
    deployed(api, with_extra_review())
    case_id = submit_selection(api)
    api.review(case_id, "unit_reviewer", "unit_review")
    api.review(case_id, "org_reviewer", "extra_review")  # done, and version 1 has no such step
    r = migrate(api, case_id, 1)
    assert r.status_code == 200, r.get_json()
    api.review(case_id, "department_reviewer", "department_review")
    for user, name in QUALIFICATION:
        api.review(case_id, user, name)
    api.review(case_id, "leadership", "leadership_approval")
    case = api.instance(case_id, "applicant")
    assert (case["status"], case["outcome"], case["version"]) == ("completed", "registered", 1)


def test_migrate_an_ended_case_is_409(api):
    case_id = submit_selection(api)
    assert api.post(f"/api/instances/{case_id}/withdraw", {"comment": "不申请了"}, "applicant").status_code == 200
    assert migrate(api, case_id, 1).status_code == 409


def test_task_data_holding_the_serializer_s_reserved_key_is_refused(api, platform):
    """SpiffWorkflow's serializer reads a dict keyed `typename` back as one of its objects: sent
    to a step without a form, {"typename": "BpmnEvent"} made the case fail every later load."""
    deployed(api, PROBE.format(pre_script=""))
    case_id = api.start("probe", "applicant").get_json()["id"]
    task = api.task_of(case_id, "applicant")
    for data, field in (({"y": {"typename": "BpmnEvent", "a": 1}}, "y"),
                        ({"x": [1, {"deep": {"typename": "timedelta", "days": 1}}]}, "x"),
                        ({"typename": "timedelta"}, "typename")):
        r = api.complete(task["id"], data, "applicant")
        assert r.status_code == 422, (data, r.get_json())
        assert "typename" in r.get_json()["errors"][field][0]
    platform.runtime._cache.clear()  # the case loads from the database as it was saved
    r = api.complete(task["id"], {"y": {"type": "fine"}}, "applicant")
    assert r.status_code == 200, r.get_json()
    assert api.instance(case_id, "applicant")["status"] == "completed"


def test_a_case_whose_saved_state_cannot_be_read_answers_with_a_reference(api, platform, caplog):
    """A damaged row (or a library upgrade without its migration) is the server's fault: 500
    with a Chinese message and a reference for the administrator, the details in the log."""
    deployed(api, PROBE.format(pre_script=""))
    case_id = api.start("probe", "applicant").get_json()["id"]
    task = api.task_of(case_id, "applicant")
    with platform.engine.begin() as connection:
        connection.execute(text("UPDATE instances SET state = :s WHERE id = :i"),
                           {"s": '{"tasks": "damaged"}', "i": case_id})
    platform.runtime._cache.clear()
    with caplog.at_level("ERROR", logger="talentflow.core.cases"):
        r = api.complete(task["id"], {"y": 1}, "applicant")
    assert r.status_code == 500, r.get_json()
    reference = r.get_json()["errors"]["reference"][0]
    assert "案件数据无法读取" in r.get_json()["message"] and reference in r.get_json()["message"]
    assert any(reference in record.getMessage() for record in caplog.records)

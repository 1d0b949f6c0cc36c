"""Diagrams that used to hang the server or answer 5xx at validate, deploy or start: unbounded
DMN cells, timers and multi-instance counts, documents in a Chinese encoding, expressions
thousands of levels deep, and expressions outside <process> that deploy never checked. Every
probe runs in a forked child with a time and memory limit (bounded_run.py)."""
from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from bounded_run import bounded
from designer_helpers import deploy, deployed, one_rule_dmn, validate

BUDGET = 5  # seconds, for what used to take minutes (or never end)


def in_child(platform, call):
    """call() -> Flask response, made in a forked child: (status, JSON body)."""
    def child():
        platform.engine.dispose(close=False)  # the child opens its own connections
        response = call()
        return response.status_code, response.get_json()
    (outcome, *detail), seconds = bounded(child)
    assert outcome == "ok", detail
    assert seconds < BUDGET, seconds
    return detail[0]


def refused(api, platform, doc) -> list[str]:
    """Validate, then deploy, each bounded: both refuse the document; the problem messages."""
    api.token("admin")
    status, body = in_child(platform, lambda: validate(api, doc))
    assert status == 200 and body["valid"] is False, (status, body)
    status, deployed_body = in_child(platform, lambda: deploy(api, doc))
    assert status == 422, (status, deployed_body)
    return [p["message"] for p in body["problems"]]


def dmn(cell="-", out="1"):
    return one_rule_dmn(cell, out)


@pytest.mark.parametrize("doc", [
    dmn(out="round(1, -10**9)"),
    dmn(cell="> round(1, -10**9)"),
    dmn(out="[[[[0]*1000]*1000]*1000]*1000 == [[[[0]*1000]*1000]*1000]*1000"),
], ids=["output-cell", "input-cell", "nested-lists"])
def test_dmn_cells_are_evaluated_within_bounds_at_deploy(api, platform, doc):
    [message] = refused(api, platform, doc)
    assert "决策表单元格无法计算" in message and "流程脚本生成的数据过大" in message, message


def process(body, flows, top="", encoding="UTF-8"):
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
{top}
  <bpmn:process id="probe" name="探针流程" isExecutable="true">
    <bpmn:startEvent id="start"/>
{body}
    <bpmn:userTask id="fill" name="填写"/>
    <bpmn:endEvent id="end"/>
{flows}
    <bpmn:sequenceFlow id="fz" sourceRef="fill" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def one_node(node, script=None):
    """start -> (script ->) node -> fill -> end."""
    if script is None:
        return process(node, '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ev"/>'
                             '<bpmn:sequenceFlow id="f2" sourceRef="ev" targetRef="fill"/>')
    return process(f'<bpmn:scriptTask id="compute"><bpmn:script>{escape(script)}</bpmn:script>'
                   f'</bpmn:scriptTask>{node}',
                   '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="compute"/>'
                   '<bpmn:sequenceFlow id="f1" sourceRef="compute" targetRef="ev"/>'
                   '<bpmn:sequenceFlow id="f2" sourceRef="ev" targetRef="fill"/>')


def timer(kind, expression):
    return (f'<bpmn:intermediateCatchEvent id="ev"><bpmn:timerEventDefinition><bpmn:{kind}>'
            f'{escape(expression)}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')


def multi(cardinality):
    return (f'<bpmn:userTask id="ev" name="逐项"><bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>'
            f'{escape(cardinality)}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>')


@pytest.mark.parametrize("kind, expression, message", [
    ("timeDuration", '"P999999999999M"', "定时器时长超过 100 年"),
    ("timeDuration", '"P" + "9" * 12 + "Y"', "定时器时长超过 100 年"),
    ("timeCycle", '"R5/2020-01-01T00:00:00/P999999999999M"', "定时器时长超过 100 年"),
    ("timeCycle", '"R/PT1M"', "须写明重复次数"),
    ("timeCycle", '"R1000000/PT1M"', "须写明重复次数"),
    ("timeDate", '"2999-01-01T00:00:00"', "100 年之后"),
    ("timeDuration", '"three days"', "不是有效或可用的 ISO 8601"),
])
def test_literal_timers_out_of_bounds_are_refused_at_deploy(api, platform, kind, expression, message):
    [found] = refused(api, platform, one_node(timer(kind, expression)))
    assert message in found, found


@pytest.mark.parametrize("kind, expression", [
    ("timeDuration", '"P3D"'), ("timeDuration", '"P99Y"'), ("timeCycle", '"R3/PT1H"'),
    ("timeDate", '"2030-01-01T00:00:00"'), ("timeDuration", '"PT" + str(delay) + "S"'),
])
def test_timers_in_bounds_or_computed_deploy(api, kind, expression):
    deployed(api, one_node(timer(kind, expression)))


@pytest.mark.parametrize("node, script, message", [
    (timer("timeDuration", '"P" + str(months) + "M"'), "months = 999999999999", "定时器时长超过 100 年"),
    (timer("timeCycle", '"R" + str(n) + "/PT1M"'), "n = 10 ** 9", "须写明重复次数"),
    (multi("n"), "n = 10 ** 9", "0 到 1000"),
])
def test_computed_timer_or_count_out_of_bounds_refuses_the_step(api, platform, node, script, message):
    deployed(api, one_node(node, script))
    api.token("applicant")
    status, body = in_child(platform, lambda: api.start("probe", "applicant"))
    assert status == 422, (status, body)
    assert message in body["message"] and "本次操作未保存" in body["message"], body


@pytest.mark.parametrize("cardinality, message", [("10**9", "0 到 1000"), ("-1", "0 到 1000"),
                                                  ("'3'", "应为整数")])
def test_literal_multi_instance_count_out_of_bounds_is_refused_at_deploy(api, platform, cardinality,
                                                                           message):
    [found] = refused(api, platform, one_node(multi(cardinality)))
    assert message in found and "loopCardinality" in found, found


def test_multi_instance_count_in_bounds_runs(api):
    deployed(api, one_node(multi("3")))
    r = api.start("probe", "applicant")
    assert r.status_code == 201, r.get_json()
    tasks = [t for t in api.inbox("applicant") if t["instance_id"] == r.get_json()["id"]]
    assert [t["name"] for t in tasks] == ["ev"] * 3


@pytest.mark.parametrize("encoding, codec", [("GBK", "gbk"), ("GB18030", "gb18030"),
                                             ("GB2312", "gbk"), ("Shift_JIS", "shift_jis")])
def test_a_document_in_a_chinese_or_japanese_encoding_deploys(api, platform, encoding, codec):
    name = "人才审核" if codec != "shift_jis" else "人材審査"
    doc = one_node(f'<bpmn:task id="ev" name="{name}"/>').replace('name="探针流程"', f'name="{name}流程"')
    doc = doc.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(codec)
    api.token("admin")
    status, body = in_child(platform, lambda: validate(api, doc))
    assert (status, body["valid"]) == (200, True), body
    created = deployed(api, doc)
    versions = api.get("/api/admin/processes", "admin").get_json()
    assert any(v["process_id"] == "probe" and v["name"] == f"{name}流程" for v in versions), created
    xml = api.get(f"/api/admin/processes/probe/versions/{created['version']}", "admin").get_data(as_text=True)
    assert name in xml and 'encoding="UTF-8"' in xml


def test_a_document_in_an_unknown_or_wrong_encoding_is_422(api, platform):
    doc = one_node('<bpmn:task id="ev" name="x"/>')
    [message] = refused(api, platform, doc.replace('encoding="UTF-8"', 'encoding="x-no-such"').encode())
    assert "编码" in message
    [message] = refused(api, platform, doc.replace('encoding="UTF-8"', 'encoding="Shift_JIS"').encode()
                        + "<!-- \udcff -->".encode("utf-8", "surrogateescape"))
    assert "编码" in message or "XML" in message


def gateway(condition):
    return process('<bpmn:exclusiveGateway id="gw"/>',
                   '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>'
                   f'<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="fill"><bpmn:conditionExpression>'
                   f'{escape(condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>'
                   '<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="fill"><bpmn:conditionExpression>'
                   'True</bpmn:conditionExpression></bpmn:sequenceFlow>')


@pytest.mark.parametrize("doc", [
    gateway("+".join(["1"] * 4000) + " > 0"),
    gateway("not " * 2400 + "x"),
    one_node('<bpmn:scriptTask id="ev"><bpmn:script>x = ' + "-" * 9000 + '1</bpmn:script></bpmn:scriptTask>'),
    dmn(out="not " * 2400 + "x"),
    dmn(cell="> " + "-" * 9000 + "1"),
], ids=["sum-chain", "not-chain", "minus-script", "dmn-output", "dmn-input"])
def test_very_deep_expressions_are_422_not_500(api, platform, doc):
    messages = refused(api, platform, doc)
    assert messages and all("表达式过深或过长" in m for m in messages), messages
    assert all(len(m) < 1000 for m in messages)  # the expression is quoted shortened


def thrower(top, definition):
    return process(f'<bpmn:intermediateThrowEvent id="ev">{definition}</bpmn:intermediateThrowEvent>',
                   '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ev"/>'
                   '<bpmn:sequenceFlow id="f2" sourceRef="ev" targetRef="fill"/>', top=top)


def extension(tag, text):
    return f"<bpmn:extensionElements><spiffworkflow:{tag}>{text}</spiffworkflow:{tag}></bpmn:extensionElements>"


UNSAFE = "().__class__.__mro__"
CORRELATION = """<bpmn:collaboration id="c"><bpmn:correlationKey name="k"><bpmn:correlationPropertyRef>p</bpmn:correlationPropertyRef></bpmn:correlationKey></bpmn:collaboration>
<bpmn:correlationProperty id="p" name="p"><bpmn:correlationPropertyRetrievalExpression messageRef="msg">
  <bpmn:{tag}>{expression}</bpmn:{tag}></bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>"""
MESSAGE = '<bpmn:message id="msg" name="m"/>'
SEND = '<bpmn:messageEventDefinition messageRef="msg"/>'


def document_level(expression):
    return {
        "signal": thrower('<bpmn:signal id="sig" name="s">' + extension("payloadExpression", expression)
                          + '</bpmn:signal>', '<bpmn:signalEventDefinition signalRef="sig"/>'),
        "escalation": thrower('<bpmn:escalation id="esc" name="e" escalationCode="E1">'
                              + extension("payloadExpression", expression) + '</bpmn:escalation>',
                              '<bpmn:escalationEventDefinition escalationRef="esc"/>'),
        "message": thrower('<bpmn:message id="msg" name="m">' + extension("messagePayload", expression)
                           + '</bpmn:message>', SEND),
        "formalExpression": thrower(MESSAGE + CORRELATION.format(tag="formalExpression", expression=expression), SEND),
        "messagePath": thrower(MESSAGE + CORRELATION.format(tag="messagePath", expression=expression), SEND),
        "processVariableCorrelation": thrower(MESSAGE, '<bpmn:messageEventDefinition messageRef="msg">'
                                              '<bpmn:extensionElements><spiffworkflow:processVariableCorrelation>'
                                              '<spiffworkflow:propertyId>p</spiffworkflow:propertyId>'
                                              f'<spiffworkflow:expression>{expression}</spiffworkflow:expression>'
                                              '</spiffworkflow:processVariableCorrelation></bpmn:extensionElements>'
                                              '</bpmn:messageEventDefinition>'),
    }


@pytest.mark.parametrize("where", sorted(document_level("x")))
def test_expressions_outside_the_process_are_checked_at_deploy(api, platform, where):
    [message] = refused(api, platform, document_level(UNSAFE)[where])
    assert "不允许的表达式" in message and "__class__" in message, message


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # payload on the message: the old place
@pytest.mark.parametrize("where", ["signal", "message"])
def test_safe_expressions_outside_the_process_still_deploy(api, where):
    deployed(api, document_level("{'from': 'probe'}")[where])

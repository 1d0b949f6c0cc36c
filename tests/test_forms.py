import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # until pytest's pythonpath / an editable install provides it
    sys.path.insert(0, str(ROOT))

from jsonschema import Draft202012Validator  # noqa: E402

from talentflow.core.forms import FormRegistry, enum_label, validate_submission  # noqa: E402

FORMS = ROOT / "forms"
ALL_FORMS = {"submit_application", "submit_reward_application", "review",
             "self_assessment", "unit_assessment"}


@pytest.fixture(scope="module")
def reg():
    return FormRegistry(FORMS)


def check(reg, form, data):
    return validate_submission(reg.get(form), data)


def application(**over):
    data = {
        "name": "张三", "gender": "male", "birth_date": "1990-05-01", "work_start_date": "2015-07-01",
        "talent_category": "professional_technical", "education": "bachelor",
        "professional_title": "intermediate", "skill_level": "none", "agri_title": "none",
        "appraisals": [{"year": 2024, "grade": "excellent"}, {"year": 2025, "grade": "competent"}],
        "ethics_attested": True, "service_agreement": True,
    }
    data.update(over)
    return data


# --- registry -------------------------------------------------------------------------------

def test_registry_names_and_schemas(reg):
    assert ALL_FORMS <= reg.names()
    for name in ALL_FORMS:
        schema = reg.get(name)
        Draft202012Validator.check_schema(schema)
        assert schema["additionalProperties"] is False
        assert schema["title"] and all(p["title"] for p in schema["properties"].values())
        assert set(schema["x-order"]) == set(schema["properties"])
        for prop in schema["properties"].values():
            if "enum" in prop:
                assert set(prop["x-enum-labels"]) == set(prop["enum"])


@pytest.mark.parametrize("name", ["nope", "../forms/review", "review.json", "", None])
def test_registry_unknown(reg, name):
    with pytest.raises(KeyError):
        reg.get(name)


def test_registry_returns_copies_and_checks_schema(tmp_path):
    (tmp_path / "ok.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "bad.json").write_text(json.dumps({"type": 5}))
    r = FormRegistry(tmp_path)
    assert r.names() == {"ok", "bad"}
    r.get("ok")["type"] = "array"
    assert r.get("ok")["type"] == "object"
    with pytest.raises(Exception):
        r.get("bad")


def test_enum_label(reg):
    app = reg.get("submit_application")
    assert enum_label(app, "gender", "female") == "女"
    assert enum_label(app, "skill_level", "senior_technician") == "高级技师"
    assert enum_label(app, "appraisals.grade", "basically_competent") == "基本称职"
    assert enum_label(app, "appraisals.1.grade", "incompetent") == "不称职"
    assert enum_label(app, "gender", "other") == "other"
    assert enum_label(app, "nosuch", "x") == "x"
    assert enum_label(app, "gender", None) == ""
    assert enum_label(reg.get("review"), "decision", "return") == "退回修改"
    assert enum_label(reg.get("submit_reward_application"), "reward_type", "training_fee") == "培养费用报销"


# --- submit_application ---------------------------------------------------------------------

def test_application_valid_and_cleaned(reg):
    data = application()
    cleaned, errors = check(reg, "submit_application", data)
    assert errors == {}
    assert cleaned["name"] == "张三"
    for prop in ("service_years", "shortage_exception", "shortage_justification"):
        assert prop in cleaned and cleaned[prop] is None
    assert "service_years" not in data  # the input is not modified


def test_application_missing_required(reg):
    data = application()
    del data["name"], data["birth_date"], data["appraisals"]
    _, errors = check(reg, "submit_application", data)
    assert set(errors) == {"name", "birth_date", "appraisals"}
    assert errors["name"] == ["此项为必填项"]


def test_application_null_required_is_missing_and_null_optional_is_fine(reg):
    cleaned, errors = check(reg, "submit_application", application(name=None, service_years=None))
    assert errors == {"name": ["此项为必填项"]}
    assert cleaned["service_years"] is None


def test_application_not_an_object(reg):
    for data in ([], "x", None, 3):
        cleaned, errors = check(reg, "submit_application", data)
        assert errors == {"data": ["必须是 JSON 对象 / must be an object"]}


def test_application_wrong_enum_uses_chinese_labels(reg):
    _, errors = check(reg, "submit_application", application(gender="x", education="phd"))
    assert errors["gender"] == ["必须是以下之一：男、女"]
    assert "本科" in errors["education"][0]


@pytest.mark.parametrize("bad", ["2024-1-1", "20240101", "2023-02-29", "01/05/1990", "", "1990-05-01T00:00:00"])
def test_application_bad_date(reg, bad):
    _, errors = check(reg, "submit_application", application(birth_date=bad))
    assert errors == {"birth_date": ["日期格式应为 YYYY-MM-DD"]}


def test_application_extra_field(reg):
    _, errors = check(reg, "submit_application", application(salary=1, eligibility={"age": True}))
    assert errors == {"salary": ["不允许的字段"], "eligibility": ["不允许的字段"]}


def test_application_name_too_long_or_blank(reg):
    _, errors = check(reg, "submit_application", application(name="名" * 201))
    assert errors == {"name": ["长度不能超过 200 个字符"]}
    assert check(reg, "submit_application", application(name="名" * 200))[1] == {}
    _, errors = check(reg, "submit_application", application(name=" \u3000 "))
    assert errors == {"name": ["不能为空"]}


def test_application_types(reg):
    _, errors = check(reg, "submit_application",
                      application(service_years=True, ethics_attested="yes", appraisals={}))
    assert errors["service_years"] == ["类型错误：应为整数"]  # bool is not an integer
    assert errors["ethics_attested"] == ["类型错误：应为布尔值"]
    assert errors["appraisals"] == ["类型错误：应为数组"]
    _, errors = check(reg, "submit_application", application(service_years=51))
    assert errors == {"service_years": ["不能大于 50"]}
    _, errors = check(reg, "submit_application", application(service_years=-1))
    assert errors == {"service_years": ["不能小于 0"]}


def test_application_appraisal_items(reg):
    bad = [{"year": 2024, "grade": "great"}, {"year": "2025", "grade": "competent", "x": 1}, {"grade": "competent"}]
    _, errors = check(reg, "submit_application", application(appraisals=bad))
    assert "优秀" in errors["appraisals.0.grade"][0]
    assert errors["appraisals.1.year"] == ["类型错误：应为整数"]
    assert errors["appraisals.1.x"] == ["不允许的字段"]
    assert errors["appraisals.2.year"] == ["此项为必填项"]
    # fewer than two years is accepted here; the Art. 5 rule check decides later
    assert check(reg, "submit_application", application(appraisals=[]))[1] == {}
    six = [{"year": 2020 + i, "grade": "competent"} for i in range(6)]
    assert check(reg, "submit_application", application(appraisals=six))[1] == {"appraisals": ["最多 5 项"]}


def test_application_shortage_needs_justification(reg):
    _, errors = check(reg, "submit_application", application(shortage_exception=True))
    assert errors == {"shortage_justification": ["此项为必填项"]}
    _, errors = check(reg, "submit_application", application(shortage_exception=True, shortage_justification=None))
    assert errors == {"shortage_justification": ["此项为必填项"]}
    _, errors = check(reg, "submit_application", application(shortage_exception=True, shortage_justification="  "))
    assert errors == {"shortage_justification": ["不能为空"]}
    _, errors = check(reg, "submit_application", application(shortage_exception=True, shortage_justification=""))
    assert errors == {"shortage_justification": ["不能为空"]}
    ok = application(shortage_exception=True, shortage_justification="区重点产业急需")
    assert check(reg, "submit_application", ok)[1] == {}
    assert check(reg, "submit_application", application(shortage_exception=False))[1] == {}


def test_illegal_characters(reg):
    _, errors = check(reg, "submit_application", application(name="张\x00三"))
    assert errors == {"name": ["包含非法字符"]}
    _, errors = check(reg, "submit_application", application(name="张\ud800三"))
    assert errors == {"name": ["包含非法字符"]}
    _, errors = check(reg, "submit_application", application(name="\udc00"))
    assert errors == {"name": ["包含非法字符"]}
    # a surrogate pair arriving as JSON escapes decodes to one code point and is fine
    assert check(reg, "submit_application", application(name=json.loads('"\\ud83d\\ude00张三"')))[1] == {}
    _, errors = check(reg, "review", {"decision": "reject", "comment": json.loads('"\\ud83d 理由"')})
    assert errors == {"comment": ["包含非法字符"]}
    # nested values and keys; the echoed key must not carry the bad character
    _, errors = check(reg, "submit_application",
                      application(appraisals=[{"year": 2024, "grade": "competent\x00"}]))
    assert "包含非法字符" in errors["appraisals.0.grade"]
    _, errors = check(reg, "review", {"decision": "approve", "c\ud800": 1})
    assert errors["data"] == ["包含非法字符"]
    assert all("\ud800" not in key for key in errors)
    json.dumps(errors, ensure_ascii=False).encode("utf-8")


def test_non_finite_numbers(reg):
    data = {"reward_type": "training_fee", "claimed_amount": float("nan"), "training_id": 1}
    assert check(reg, "submit_reward_application", data)[1] == {"claimed_amount": ["必须是有限数值"]}
    data = {"reward_type": "training_fee", "claimed_amount": float("inf"), "training_id": 1}
    assert "必须是有限数值" in check(reg, "submit_reward_application", data)[1]["claimed_amount"]


# --- submit_reward_application -------------------------------------------------------------

REWARD_OK = {
    "postgraduate": {"degree_level": "master", "has_degree": True, "has_diploma": True,
                     "tuition": 30000, "service_years": 5},
    "title": {"title_level": "senior", "service_years": 5},
    "skill": {"skill_level": "technician", "service_years": 6},
    "project": {"project_level": "provincial", "is_project_lead": True, "completed_on_time": True,
                "project_name": "盐卤综合利用关键技术"},
    "platform": {"platform_level": "national", "platform_name": "博士后工作站"},
    # a training-fee claim names the recorded training it pays (CONTRACT.md)
    "training_fee": {"claimed_amount": 1234.5, "training_id": 7, "description": "党校培训费用"},
}


@pytest.mark.parametrize("reward_type", sorted(REWARD_OK))
def test_reward_valid_and_required_per_type(reg, reward_type):
    fields = REWARD_OK[reward_type]
    cleaned, errors = check(reg, "submit_reward_application", {"reward_type": reward_type, **fields})
    assert errors == {}
    assert set(cleaned) == set(reg.get("submit_reward_application")["properties"])
    _, errors = check(reg, "submit_reward_application", {"reward_type": reward_type})
    required = set(fields) - {"project_name", "platform_name", "description"}
    assert errors == {f: ["此项为必填项"] for f in required}


def test_reward_type_required_and_enum(reg):
    assert check(reg, "submit_reward_application", {})[1] == {"reward_type": ["此项为必填项"]}
    _, errors = check(reg, "submit_reward_application", {"reward_type": "bonus"})
    assert list(errors) == ["reward_type"] and "研究生学历学位奖励" in errors["reward_type"][0]


def test_reward_amount_bounds(reg):
    data = {"reward_type": "training_fee", "claimed_amount": -1, "training_id": 1}
    assert check(reg, "submit_reward_application", data)[1] == {"claimed_amount": ["不能小于 0"]}
    data = {"reward_type": "postgraduate", **REWARD_OK["postgraduate"], "tuition": "30000"}
    assert check(reg, "submit_reward_application", data)[1] == {"tuition": ["类型错误：应为数字"]}
    data = {"reward_type": "project", **REWARD_OK["project"], "project_name": "项" * 201}
    assert check(reg, "submit_reward_application", data)[1] == {"project_name": ["长度不能超过 200 个字符"]}


# --- review ---------------------------------------------------------------------------------

def test_review(reg):
    cleaned, errors = check(reg, "review", {"decision": "approve"})
    assert errors == {} and cleaned == {"decision": "approve", "comment": None}
    assert check(reg, "review", {"decision": "approve", "comment": ""})[1] == {}
    assert check(reg, "review", {"decision": "return", "comment": "请补充学历证书"})[1] == {}
    assert check(reg, "review", {})[1] == {"decision": ["此项为必填项"]}
    assert check(reg, "review", {"decision": "maybe"})[1] == {"decision": ["必须是以下之一：同意、退回修改、不同意"]}


@pytest.mark.parametrize("decision", ["return", "reject"])
@pytest.mark.parametrize("comment", [None, "", "   ", "\n\t", "MISSING"])
def test_review_comment_needed_for_return_and_reject(reg, decision, comment):
    data = {"decision": decision} if comment == "MISSING" else {"decision": decision, "comment": comment}
    _, errors = check(reg, "review", data)
    assert list(errors) == ["comment"]
    assert errors["comment"] in (["此项为必填项"], ["不能为空"])


def test_review_comment_too_long(reg):
    assert check(reg, "review", {"decision": "approve", "comment": "意" * 2000})[1] == {}
    _, errors = check(reg, "review", {"decision": "reject", "comment": "意" * 2001})
    assert errors == {"comment": ["长度不能超过 2000 个字符"]}


# --- annual evaluation forms ----------------------------------------------------------------

def test_self_assessment(reg):
    assert reg.get("self_assessment")["title"] == "年度自评"
    ok = {"ability": "能力提升", "performance": "完成任务", "research_plan": "按计划完成"}
    assert check(reg, "self_assessment", ok)[1] == {}
    _, errors = check(reg, "self_assessment", {"ability": " ", "performance": "x" * 2001})
    assert errors == {"ability": ["不能为空"], "performance": ["长度不能超过 2000 个字符"],
                      "research_plan": ["此项为必填项"]}


def test_unit_assessment(reg):
    cleaned, errors = check(reg, "unit_assessment", {"grade": "competent"})
    # the unit's part of Art. 18 (ability, performance, research plan) is optional beside the
    # grade, under keys of its own: the self-assessment's keys hold the talent's text
    assert errors == {} and cleaned == {"grade": "competent", "comment": None, "unit_ability": None,
                                        "unit_performance": None, "unit_research_plan": None}
    assert check(reg, "unit_assessment", {"comment": "好"})[1] == {"grade": ["此项为必填项"]}
    assert check(reg, "unit_assessment", {"grade": "good"})[1] == {"grade": ["必须是以下之一：优秀、称职、基本称职、不称职"]}

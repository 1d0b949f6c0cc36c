"""Art. 5 eligibility: the facts the `art5_eligibility` DMN table decides on, and the refusal
that names each failed condition. Service-task operations of `talent_selection`."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from ...core.dates import add_years, full_years
from ...core.models import Attachment
from ...core.operations import ServiceContext
from ...core.registry import REGISTRY
from ...errors import Refusal

ART5_CHECKS = ("ethics", "age", "work_years", "qualification", "appraisals", "service_agreement")
ART5_MESSAGES = {
    "ethics": "未承诺具有良好的政治思想素质和职业道德（第五条第一项）",
    "age": "年龄不符合条件：须为45周岁以下（第五条第二项）",
    "work_years": "工作年限不符合条件：须为两年以上（第五条第二项）",
    "qualification": "须具有大学本科及以上学历，或中级及以上专业技术资格，或中级及以上技能等级证书，"
                     "或中级以上农业实用技术职称（第五条第三项）",
    "appraisals": "申请年度前连续两年的年度考核须齐全且无基本称职、不称职等次（第五条第四项）",
    "service_agreement": "须与用人单位就培养后最低服务年限协商一致并签订协议（第五条第五项）",
}
GRADE_RANK = {"excellent": 0, "competent": 1, "basically_competent": 2, "incompetent": 3}


MIN_WORKING_AGE = 16  # 劳动法: no employment before the 16th birthday


def check_plausible_dates(birth: date, work_start: date, today: date) -> None:
    """Dates no person can have are refused on their field, before any Art. 5 rule."""
    errors = {}
    if birth > today:
        errors["birth_date"] = ["出生日期不能晚于今天"]
    if work_start > today:
        errors["work_start_date"] = ["参加工作时间不能晚于今天"]
    elif birth <= today and work_start < add_years(birth, MIN_WORKING_AGE):
        errors["work_start_date"] = [f"参加工作时间不能早于年满 {MIN_WORKING_AGE} 周岁"]
    if errors:
        raise Refusal("日期不合理 / impossible dates", errors)


@REGISTRY.operation(label=lazy_gettext("计算年龄、工作年限和近两年考核"))
def derive_applicant_facts(ctx: ServiceContext, data: dict, params: dict) -> dict:
    birth = date.fromisoformat(data["birth_date"])
    work_start = date.fromisoformat(data["work_start_date"])
    check_plausible_dates(birth, work_start, ctx.today)
    wanted = {ctx.today.year - 1, ctx.today.year - 2}
    grades = {}
    for row in data.get("appraisals") or []:
        if row.get("year") in wanted:
            previous = grades.get(row["year"])
            if previous is None or GRADE_RANK[row["grade"]] > GRADE_RANK[previous]:
                grades[row["year"]] = row["grade"]
    worst = max(grades.values(), key=GRADE_RANK.__getitem__) if grades else None
    return {
        "age": full_years(birth, ctx.today),
        "work_years": full_years(work_start, ctx.today),
        "appraisals_complete": set(grades) == wanted,
        "worst_appraisal": worst,
    }


# Art. 5, last paragraph: for talent the district urgently needs, conditions may be relaxed "as
# appropriate" — age, work years, qualification, appraisals. Political and ethical standing and the
# service agreement the rewards rest on are never waived.
NEVER_WAIVED = ("ethics", "service_agreement")


@REGISTRY.operation(label=lazy_gettext("判定第五条选拔条件"))
def assess_eligibility(ctx: ServiceContext, data: dict, params: dict) -> dict:
    failed = set(data.get("failed_checks") or [])
    result = {check: check not in failed for check in ART5_CHECKS}
    result["eligible"] = all(result.values()) and not data.get("shortage_exception")
    unwaivable = [c for c in NEVER_WAIVED if c in failed]
    if data.get("shortage_exception") and unwaivable:
        raise Refusal("紧缺急需人才可适当放宽条件，但思想品德和服务协议不能放宽 / ethics and the service "
                      "agreement are never waived",
                      {c: [ART5_MESSAGES[c] + "；紧缺急需人才也不能放宽此项"] for c in unwaivable})
    return result


def exception_notes(session, instance) -> list[str]:
    """What every reviewer of a shortage-exception case sees: the conditions it does not meet."""
    data = instance.data or {}
    if instance.process_id != "talent_selection" or not data.get("shortage_exception"):
        return []
    eligibility = data.get("eligibility") or {}
    failed = [ART5_MESSAGES[c] for c in ART5_CHECKS if eligibility.get(c) is False]
    notes = [gettext("紧缺急需人才例外申请（第五条）：%(why)s",
                     why=data.get("shortage_justification") or "")]
    notes += ([gettext("未满足的条件（申请适当放宽）：%(failed)s", failed="；".join(failed))] if failed
              else [gettext("各项条件均已满足。")])
    return notes


def missing_proof_notes(session, instance) -> list[str]:
    """Art. 6(1) asks for copies of education, title and award certificates: reviewers are told
    when a submitted application carries none (the check is theirs; the API keeps accepting the
    form as CONTRACT.md specifies it)."""
    data = instance.data or {}
    if instance.process_id != "talent_selection" or "eligibility" not in data:
        return []
    has_any = session.scalar(select(Attachment.id).where(
        Attachment.instance_id == instance.id).limit(1)) is not None
    return [] if has_any else [gettext("申请人尚未上传学历、职称、获奖证书等材料的复印件（第六条第一项），请核实。")]


REGISTRY.case_notes.extend([exception_notes, missing_proof_notes])


@REGISTRY.operation(label=lazy_gettext("退回不符合第五条条件的申请"))
def refuse_ineligible(ctx: ServiceContext, data: dict, params: dict) -> None:
    failed = [c for c in ART5_CHECKS if not (data.get("eligibility") or {}).get(c, False)]
    raise Refusal("申请不符合《自流井区人才培养暂行办法》第五条规定的条件 / the application does not "
                  "meet Art. 5", {c: [ART5_MESSAGES[c]] for c in failed})

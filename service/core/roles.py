"""Role keys, their Chinese labels and the role groups every rule uses (one place for API,
pages and jobs)."""
from __future__ import annotations

ROLES = (
    "applicant", "unit_reviewer", "department_reviewer", "org_reviewer", "hr_reviewer",
    "leadership", "finance", "employer_finance", "admin",
)
ROLE_LABELS = {
    "applicant": "申请人", "unit_reviewer": "用人单位", "department_reviewer": "主管部门",
    "org_reviewer": "区委组织部", "hr_reviewer": "区人社局", "leadership": "区人才工作领导小组",
    "finance": "区财政（专项资金）", "employer_finance": "单位财务", "admin": "系统管理员",
}
UNIT_ROLES = ("unit_reviewer", "employer_finance")
DISTRICT_ROLES = ("org_reviewer", "hr_reviewer", "leadership", "finance", "admin")
# Roles whose users see every case of the district (the others see their unit's or department's).
CASE_WIDE_ROLES = ("org_reviewer", "hr_reviewer", "leadership", "admin")
# District roles that see only the cases they have a step in: the special fund (finance) pays
# rewards and has no business reading every selection application's personal data.
TASK_SCOPED_ROLES = ("finance",)
# Roles that keep or consult the talent database (信息库).
TALENT_DB_ROLES = ("hr_reviewer", "org_reviewer", "leadership", "admin")

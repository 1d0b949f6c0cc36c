"""Drive an installed TalentFlow server from outside (stdlib only): the admin sets up a unit and
one user per role, an applicant's selection case goes through every review to registration,
and the case page's bpmn-js viewer is served by the installed package itself.

Usage: python wheel_smoke.py http://127.0.0.1:PORT   (exits non-zero at the first failure)"""
from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

BASE = sys.argv[1].rstrip("/")
PASSWORD = "smoke-pass-1"


def call(method: str, path: str, body=None, token: str | None = None, expect: int = 200):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    payload = json.loads(raw) if raw else None
    if status != expect:
        raise SystemExit(f"{method} {path}: {status} (expected {expect}): {payload}")
    return payload


def login(username: str, password: str = PASSWORD) -> str:
    return call("POST", "/api/auth/token", {"username": username, "password": password})["token"]


def wait_for_server() -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(BASE + "/api/openapi.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not come up")


def set_up_district(admin: str) -> None:
    department = call("POST", "/api/admin/departments", {"name": "区教育局"}, admin, 201)["id"]
    unit = call("POST", "/api/admin/units", {"name": "区教育研究室", "type": "civil_service_institution",
                                             "department_id": department}, admin, 201)["id"]
    users = [("applicant", "applicant", unit, None), ("unit_reviewer", "unit_reviewer", unit, None),
             ("department_reviewer", "department_reviewer", None, department),
             ("org_reviewer", "org_reviewer", None, None), ("hr_reviewer", "hr_reviewer", None, None),
             ("leadership", "leadership", None, None)]
    for username, role, unit_id, department_id in users:
        call("POST", "/api/admin/users", {"username": username, "password": PASSWORD,
                                          "display_name": username, "roles": [role],
                                          "unit_id": unit_id, "department_id": department_id},
             admin, 201)
    today = date.today()
    call("POST", "/api/admin/campaigns", {"kind": "selection", "opens_on": str(today - timedelta(days=1)),
                                          "closes_on": str(today + timedelta(days=29))}, admin, 201)


def application() -> dict:
    year = date.today().year
    return {"name": "张明", "gender": "male", "birth_date": "1990-05-01", "work_start_date": "2015-07-01",
            "talent_category": "professional_technical", "education": "bachelor",
            "professional_title": "intermediate", "skill_level": "none", "agri_title": "none",
            "appraisals": [{"year": year - 1, "grade": "excellent"}, {"year": year - 2, "grade": "competent"}],
            "ethics_attested": True, "service_agreement": True, "service_years": 5,
            "shortage_exception": False}


def selection_case() -> int:
    applicant = login("applicant")
    case = call("POST", "/api/processes/talent_selection/instances", {"data": {}}, applicant, 201)["id"]
    task = call("GET", "/api/tasks", token=applicant)[0]["id"]
    call("POST", f"/api/tasks/{task}/complete", {"data": application()}, applicant)
    for reviewer in ("unit_reviewer", "department_reviewer", "org_reviewer", "hr_reviewer", "leadership"):
        token = login(reviewer)
        tasks = [t for t in call("GET", "/api/tasks", token=token) if t["instance_id"] == case]
        if not tasks:
            raise SystemExit(f"nothing in {reviewer}'s inbox")
        call("POST", f"/api/tasks/{tasks[0]['id']}/complete",
             {"data": {"decision": "approve", "comment": "同意"}}, token)
    result = call("GET", f"/api/instances/{case}", token=applicant)
    if (result["status"], result["outcome"]) != ("completed", "registered"):
        raise SystemExit(f"case ended {result['status']}/{result['outcome']}")
    talents = call("GET", "/api/talents", token=login("hr_reviewer"))
    if not any(t["name"] == "张明" for t in talents):
        raise SystemExit("the talent is not in the database")
    return case


def case_page_draws_its_diagram(case: int) -> None:
    """Log in through the web form (CSRF token included) and fetch what the case page loads."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(BASE + "/").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "applicant", "password": PASSWORD, "csrf_token": token})
    browser.open(BASE + "/login", data=form.encode()).read()
    page = browser.open(f"{BASE}/cases/{case}").read().decode()
    if '<html lang="zh-CN">' not in page:
        raise SystemExit("the case page is not the Chinese page")
    assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"', page)
    if not any(a.endswith("bpmn-navigated-viewer.production.min.js") for a in assets):
        raise SystemExit(f"the case page loads no bpmn-js viewer: {assets}")
    for asset in assets:
        with browser.open(BASE + asset) as response:
            if response.status != 200 or len(response.read()) < 100:
                raise SystemExit(f"{asset}: {response.status}")
    print(f"wheel-smoke: case {case} registered; case page assets served: {len(assets)}")


def main() -> None:
    wait_for_server()
    admin = login("admin", "smoke-admin-1")
    set_up_district(admin)
    processes = {p["process_id"] for p in call("GET", "/api/processes", token=admin)}
    missing = {"talent_selection", "reward_application", "annual_evaluation"} - processes
    if missing:
        raise SystemExit(f"shipped processes not deployed: {missing}")
    case_page_draws_its_diagram(selection_case())


if __name__ == "__main__":
    main()

"""Input limits of the API (body size, text lengths, illegal characters, malformed JSON), the
error shape, and attachments (type sniffing, size limit, storage, who may read them)."""
from __future__ import annotations

import io
import re
from pathlib import Path

from sqlalchemy import func, select

from conftest import application_form
from talentflow.models import Attachment, Department, HistoryEvent, Instance

JSON = {"Content-Type": "application/json"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def assert_error(response, status, *fields):
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    body = response.get_json()
    assert isinstance(body, dict) and set(body) >= {"message", "errors"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    for field in fields:
        assert field in body["errors"], (field, body["errors"])
        messages = body["errors"][field]
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), messages
    return body


def raw_post(api, path, raw: bytes, user):
    return api.client.post(path, data=raw, headers={**api.headers(user), **JSON})


def count(platform, model):
    with platform.sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def start_case(api, user="applicant"):
    r = api.start("talent_selection", user)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def submitted_case(api):
    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], application_form(), "applicant")
    assert r.status_code == 200, r.get_json()
    return instance_id


# --- body size, malformed JSON -------------------------------------------------------------

def test_json_body_over_one_megabyte_is_413(api, platform):
    big = {"data": {"name": "张" * 10, "shortage_justification": "x" * (1024 * 1024 + 10)}}
    r = api.post("/api/processes/talent_selection/instances", big, "applicant")
    assert_error(r, 413)
    r = api.post("/api/admin/departments", {"name": "a", "padding": ["y" * 1000] * 1100}, "admin")
    assert_error(r, 413)
    assert count(platform, Instance) == 0
    # positive control: a body just under the limit reaches validation (and is refused for
    # its own reason, not its size)
    r = api.post("/api/admin/departments", {"name": "a", "padding": ["y" * 1000] * 1000}, "admin")
    assert r.status_code == 422, r.get_json()


def test_malformed_json_is_400(api, platform):
    departments = count(platform, Department)
    for raw in (b'{"name": ', b'{"name": "x",}', b"{'name': 'x'}", b'[1, 2', b"\xff\xfe{}"):
        assert_error(raw_post(api, "/api/admin/departments", raw, "admin"), 400)
    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant")
    assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", b'{"data": {"name": "x"', "applicant"), 400)
    assert_error(raw_post(api, "/api/auth/token", b'{"username": "admin", "password": ', None), 400)
    assert count(platform, Department) == departments
    assert api.task_of(instance_id, "applicant")["id"] == task["id"]


def test_nan_infinity_and_out_of_range_numbers_are_malformed_json(api, platform):
    """Python's json reads them; kept in a draft they made its answer something that is not
    JSON. Refused as malformed before anything is stored."""
    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant")
    path = f"/api/tasks/{task['id']}/draft"
    for number in (b"NaN", b"Infinity", b"-Infinity", b"1e999", b"-1E400"):
        raw = b'{"data": {"name": "x", "tuition": ' + number + b"}}"
        r = api.client.put(path, data=raw, headers={**api.headers("applicant"), **JSON})
        assert_error(r, 400)
        assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", raw, "applicant"), 400)
    assert api.get(path, "applicant").get_json()["data"] == {}
    # positive control: large but finite numbers are JSON
    raw = b'{"data": {"name": "x", "tuition": 1e300, "service_years": 12345678901234567890123}}'
    r = api.client.put(path, data=raw, headers={**api.headers("applicant"), **JSON})
    assert r.status_code == 200, r.get_json()
    assert api.get(path, "applicant").get_json()["data"]["tuition"] == 1e300


def test_a_body_that_is_not_an_object_is_400_with_a_reason(api, platform):
    departments = count(platform, Department)
    for raw in (b"null", b"[]", b'["name"]', b'"name"', b"3"):
        body = assert_error(raw_post(api, "/api/admin/departments", raw, "admin"), 400)
        assert "对象" in body["message"], body
    assert count(platform, Department) == departments


def test_problems_of_a_list_s_items_are_a_flat_list_of_messages(api):
    r = api.post("/api/admin/users", {"username": "listcheck", "password": "longpassword",
                                      "roles": ["applicant", "bogus"]}, "admin")
    body = assert_error(r, 422, "roles")
    assert body["errors"]["roles"][0].startswith("[1] "), body


def test_deeply_nested_json_is_refused_not_a_server_error(api, platform):
    for depth in (200, 990, 5000, 200_000):
        raw = b'{"data":{"name":"x","appraisals":' + b"[" * depth + b"]" * depth + b"}}"
        r = raw_post(api, "/api/processes/talent_selection/instances", raw, "applicant")
        assert r.status_code in (400, 413, 422), (depth, r.status_code)
        assert_error(r, r.status_code)
        raw = b'{"name":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}"
        r = raw_post(api, "/api/admin/departments", raw, "admin")
        assert r.status_code in (400, 413, 422), (depth, r.status_code)
        assert_error(r, r.status_code)
    assert count(platform, Instance) == 0


# --- lengths ---------------------------------------------------------------------------------

def test_names_over_200_characters_are_422(api, platform):
    departments = count(platform, Department)
    assert_error(api.post("/api/admin/departments", {"name": "部" * 201}, "admin"), 422, "name")
    assert_error(api.post("/api/admin/units", {"name": "单" * 201, "type": "enterprise",
                                               "department_id": None}, "admin"), 422, "name")
    assert_error(api.post("/api/admin/users", {
        "username": "u" * 201, "password": "demo", "display_name": "x", "roles": ["applicant"],
        "unit_id": None, "department_id": None}, "admin"), 422, "username")
    assert_error(api.post("/api/admin/users", {
        "username": "longname", "password": "demo", "display_name": "名" * 201,
        "roles": ["applicant"], "unit_id": None, "department_id": None}, "admin"), 422, "display_name")
    assert count(platform, Department) == departments
    # exactly 200 is allowed
    r = api.post("/api/admin/departments", {"name": "部" * 200}, "admin")
    assert r.status_code == 201, r.get_json()
    assert count(platform, Department) == departments + 1


def test_application_name_over_200_characters_is_422(api, platform):
    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant", "submit_application")
    r = api.complete(task["id"], application_form(name="张" * 201), "applicant")
    assert_error(r, 422, "name")
    # the task stays open, nothing was recorded
    assert api.task_of(instance_id, "applicant", "submit_application")["id"] == task["id"]
    case = api.instance(instance_id, "applicant")
    assert case["history"] == [] and case["data"].get("name") is None
    r = api.complete(task["id"], application_form(shortage_justification="理" * 2001), "applicant")
    assert_error(r, 422)
    # 200 characters pass
    r = api.complete(task["id"], application_form(name="张" * 200), "applicant")
    assert r.status_code == 200, r.get_json()
    assert api.instance(instance_id, "applicant")["data"]["name"] == "张" * 200


def test_start_data_is_validated_like_the_form(api, platform):
    r = api.start("talent_selection", "applicant", {"name": "张" * 201})
    assert_error(r, 422, "name")
    r = api.start("talent_selection", "applicant", {"gender": "unknown"})
    assert_error(r, 422, "gender")
    r = api.start("talent_selection", "applicant", {"shortage_justification": "理" * 2001})
    assert_error(r, 422)
    assert count(platform, Instance) == 0
    assert api.get("/api/instances", "applicant").get_json() == []
    # a valid partial pre-fill is accepted (the rest comes with the submission)
    r = api.start("talent_selection", "applicant", {"name": "张明"})
    assert r.status_code == 201, r.get_json()


def test_comments_over_2000_characters_are_422(api, platform):
    instance_id = submitted_case(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    r = api.complete(task["id"], {"decision": "return", "comment": "改" * 2001}, "unit_reviewer")
    assert_error(r, 422)
    assert "comment" in r.get_json()["errors"]   # keyed by the form field, as the form keys it
    assert api.task_of(instance_id, "unit_reviewer", "unit_review")["id"] == task["id"]
    assert [h["name"] for h in api.instance(instance_id, "applicant")["history"]] == ["submit_application"]

    r = api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "撤" * 2001}, "applicant")
    assert_error(r, 422)
    assert api.instance(instance_id, "applicant")["status"] == "running"

    # 2000 characters pass
    r = api.complete(task["id"], {"decision": "return", "comment": "改" * 2000}, "unit_reviewer")
    assert r.status_code == 200, r.get_json()
    history = api.instance(instance_id, "applicant")["history"]
    assert (history[-1]["decision"], history[-1]["comment"]) == ("return", "改" * 2000)


# --- U+0000 and unpaired surrogates ------------------------------------------------------------

BAD_TEXTS = [b'"\\ud800"', b'"a\\udc00b"', b'"\\u0000"', b'"ab\\u0000cd"', b'"\\ud83d"']


def test_illegal_characters_in_application_are_422_and_nothing_is_stored(api, platform):
    for bad in BAD_TEXTS:
        raw = b'{"data":{"name":' + bad + b'}}'
        assert_error(raw_post(api, "/api/processes/talent_selection/instances", raw, "applicant"), 422)
    assert count(platform, Instance) == 0

    instance_id = start_case(api)
    task = api.task_of(instance_id, "applicant", "submit_application")
    for bad in BAD_TEXTS:
        raw = b'{"data":{"name":' + bad + b',"gender":"male"}}'
        assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", raw, "applicant"), 422)
        # in a key, and nested in a list
        raw = b'{"data":{' + bad + b':"x"}}'
        assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", raw, "applicant"), 422)
        raw = b'{"data":{"appraisals":[{"year":2024,"grade":' + bad + b'}]}}'
        assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", raw, "applicant"), 422)
    case = api.instance(instance_id, "applicant")
    assert case["history"] == [] and case["data"].get("name") is None
    assert count(platform, HistoryEvent) == 0
    assert api.task_of(instance_id, "applicant", "submit_application")["id"] == task["id"]


def test_illegal_characters_in_admin_and_review_text_are_422(api, platform):
    departments = count(platform, Department)
    for bad in BAD_TEXTS:
        assert_error(raw_post(api, "/api/admin/departments", b'{"name":' + bad + b'}', "admin"), 422)
        assert_error(raw_post(api, "/api/admin/units", b'{"name":' + bad + b',"type":"other"}',
                              "admin"), 422)
    assert count(platform, Department) == departments

    instance_id = submitted_case(api)
    task = api.task_of(instance_id, "unit_reviewer", "unit_review")
    for bad in BAD_TEXTS:
        raw = b'{"data":{"decision":"reject","comment":' + bad + b'}}'
        assert_error(raw_post(api, f"/api/tasks/{task['id']}/complete", raw, "unit_reviewer"), 422)
        raw = b'{"comment":' + bad + b'}'
        assert_error(raw_post(api, f"/api/instances/{instance_id}/withdraw", raw, "applicant"), 422)
    case = api.instance(instance_id, "applicant")
    assert case["status"] == "running"
    assert [h["name"] for h in case["history"]] == ["submit_application"]

    # positive control: a valid surrogate pair (an emoji) is ordinary text
    r = raw_post(api, "/api/admin/departments", b'{"name":"\\u7814\\u53d1\\ud83d\\ude00"}', "admin")
    assert r.status_code == 201, r.get_json()
    with platform.sessions() as session:
        assert session.get(Department, r.get_json()["id"]).name == "研发\U0001F600"


# --- attachments -----------------------------------------------------------------------------

def upload(api, instance_id, user, content: bytes, filename: str):
    return api.client.post(f"/api/instances/{instance_id}/attachments",
                           data={"file": (io.BytesIO(content), filename)},
                           headers=api.headers(user), content_type="multipart/form-data")


def stored_files(platform) -> list[Path]:
    directory = Path(platform.config["UPLOAD_DIR"])
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def test_pdf_and_png_are_accepted_listed_and_downloadable(api, platform):
    instance_id = start_case(api)
    r = upload(api, instance_id, "applicant", PDF, "学历证书.pdf")
    assert r.status_code == 201, r.get_json()
    pdf = r.get_json()
    assert (pdf["filename"], pdf["content_type"], pdf["size"], pdf["instance_id"]) == (
        "学历证书.pdf", "application/pdf", len(PDF), instance_id)
    r = upload(api, instance_id, "applicant", PNG, "scan.PNG")
    assert r.status_code == 201, r.get_json()
    png = r.get_json()
    assert png["content_type"] == "image/png"

    for user in ("applicant", "unit_reviewer", "department_reviewer", "hr_reviewer"):
        r = api.get(f"/api/instances/{instance_id}/attachments", user)
        assert r.status_code == 200, (user, r.get_json())
        assert [(a["id"], a["filename"]) for a in r.get_json()] == [
            (pdf["id"], "学历证书.pdf"), (png["id"], "scan.PNG")]
    for user in ("applicant", "unit_reviewer"):
        r = api.get(f"/api/attachments/{pdf['id']}", user)
        assert r.status_code == 200
        assert r.get_data() == PDF
        assert r.headers["Content-Type"].startswith("application/pdf")
        assert r.get_data() == PDF
        assert api.get(f"/api/attachments/{png['id']}", user).get_data() == PNG

    # another unit's reviewer, another department, another applicant: 404 everywhere
    for user in ("unit_reviewer2", "department_reviewer2", "applicant2", "employer_finance"):
        assert_error(api.get(f"/api/instances/{instance_id}/attachments", user), 404)
        assert_error(api.get(f"/api/attachments/{pdf['id']}", user), 404)
        assert_error(upload(api, instance_id, user, PDF, "x.pdf"), 404)
    assert_error(api.client.get(f"/api/attachments/{pdf['id']}"), 401)
    assert count(platform, Attachment) == 2


def test_files_that_are_not_pdf_png_or_jpeg_are_422(api, platform):
    instance_id = start_case(api)
    for content, filename in ((EXE, "setup.exe"), (EXE, "证书.pdf"), (b"<html>hi</html>", "a.pdf"),
                              (PNG, "photo.pdf"), (PDF, "doc.exe"), (PDF, "noextension"),
                              (b"", "empty.pdf")):
        assert_error(upload(api, instance_id, "applicant", content, filename), 422, "file")
    assert count(platform, Attachment) == 0
    assert stored_files(platform) == []
    assert api.get(f"/api/instances/{instance_id}/attachments", "applicant").get_json() == []
    # no file part at all
    r = api.client.post(f"/api/instances/{instance_id}/attachments", data={"other": "x"},
                        headers=api.headers("applicant"), content_type="multipart/form-data")
    assert_error(r, 422, "file")


def test_upload_over_the_size_limit_is_refused(api, platform):
    platform.config["MAX_UPLOAD_BYTES"] = 2048
    instance_id = start_case(api)
    too_big = PDF + b"0" * (2049 - len(PDF))
    r = upload(api, instance_id, "applicant", too_big, "big.pdf")
    assert r.status_code in (413, 422), r.status_code
    assert_error(r, r.status_code)
    assert count(platform, Attachment) == 0
    assert stored_files(platform) == []
    # exactly at the limit is fine
    at_limit = PDF + b"0" * (2048 - len(PDF))
    r = upload(api, instance_id, "applicant", at_limit, "ok.pdf")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["size"] == 2048


def test_stored_file_has_a_random_name_under_the_upload_dir(api, platform, tmp_path):
    instance_id = start_case(api)
    r = upload(api, instance_id, "applicant", PDF, "../../evil.pdf")
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["filename"] == "evil.pdf"
    r = upload(api, instance_id, "applicant", PDF, "证书.pdf")
    assert r.status_code == 201, r.get_json()
    files = stored_files(platform)
    assert len(files) == 2
    upload_dir = Path(platform.config["UPLOAD_DIR"]).resolve()
    for path in files:
        assert path.resolve().parent == upload_dir
        assert re.fullmatch(r"[0-9a-f]{32}", path.name), path.name
        assert "evil" not in path.name and "pdf" not in path.name
        assert path.read_bytes() == PDF
    assert files[0].name != files[1].name
    # nothing escaped the upload directory
    assert [p for p in tmp_path.parent.rglob("evil.pdf")] == []


def test_no_upload_to_an_ended_case(api, platform):
    instance_id = start_case(api)
    r = api.post(f"/api/instances/{instance_id}/withdraw", {"comment": "不申请了"}, "applicant")
    assert r.status_code == 200, r.get_json()
    assert_error(upload(api, instance_id, "applicant", PDF, "late.pdf"), 409)
    assert stored_files(platform) == []

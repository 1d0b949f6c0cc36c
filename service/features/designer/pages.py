"""The designer's pages (admin only): /admin/processes (processes and decision tables with
their versions, the diff between two versions) and /admin/processes/<process_id>/edit (the
bpmn-js modeler, or the dmn-js editor for a decision table) with 校验 and 部署.

The editor's buttons post the XML from the page with the session and the page's CSRF token
(header `X-CSRF-Token`, see web/base.py) and get JSON back; they run the same core functions
as POST /api/admin/processes[/validate]."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext, lazy_gettext

from ...core import definitions
from ...core.registry import REGISTRY, NavLink
from ...core.roles import ROLE_LABELS, ROLES
from ...errors import Forbidden, NotFound, ServiceError
from ...http.context import current_user, db, platform
from ...http.documents import read_document
from ...http.transaction import transactional
from ...web.base import chinese, login_required

bp = Blueprint("designer", __name__, template_folder="templates")

REGISTRY.nav.append(NavLink("designer.processes_page", lazy_gettext("流程设计"), roles=("admin",),
                            order=90))


def _require_admin():
    user = current_user()
    if not user.has_role("admin"):
        raise Forbidden(gettext("仅限系统管理员"))
    return user


def _grouped(rows):
    groups = {}
    for row in rows:
        groups.setdefault((row["kind"], row["process_id"]), []).append(row)
    return [{"kind": kind, "process_id": pid, "name": versions[0]["name"], "versions": versions}
            for (kind, pid), versions in groups.items()]


@bp.get("/admin/processes")
@login_required
def processes_page():
    _require_admin()
    groups = _grouped(definitions.all_versions(db()))
    diff = None
    pid = request.args.get("diff", "")
    if pid:
        try:
            old, new = int(request.args.get("a", "0")), int(request.args.get("b", "0"))
        except ValueError:
            old = new = 0
        if old < 1 or new < 1 or old > 2**31 - 1 or new > 2**31 - 1:
            raise NotFound(gettext("没有该版本"))
        diff = {"process_id": pid, "a": old, "b": new,
                **definitions.diff_versions(db(), pid, old, new)}
    return render_template("designer/processes.html", processes=[g for g in groups if g["kind"] == "bpmn"],
                           tables=[g for g in groups if g["kind"] == "dmn"], diff=diff)


@bp.get("/admin/processes/<process_id>/versions/<int:version>/xml")
@login_required
def version_xml(process_id, version):
    _require_admin()
    row = definitions.version_of(db(), process_id, version)
    response = Response(row.xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = (
        f"attachment; filename={row.process_id}.v{row.version}.{row.kind}")
    return response


@bp.get("/admin/processes/<process_id>/edit")
@login_required
def edit_page(process_id):
    _require_admin()
    row = definitions.latest(db(), process_id) or definitions.latest(db(), process_id, kind="dmn")
    if row is None:
        raise NotFound(gettext("流程不存在"))
    forms = []
    for name in sorted(platform().forms.names()):
        try:
            forms.append({"key": name, "label": platform().forms.get(name).get("title", name)})
        except Exception:  # noqa: BLE001 - a broken form file is simply not offered
            continue
    # Each operation by the label it was registered with (its key where it has none); a
    # docstring says how the code works, not what an admin picks.
    operations = [{"key": name, "label": str(REGISTRY.operation_label(name))}
                  for name in sorted(REGISTRY.operations)]
    roles = [{"key": key, "label": ROLE_LABELS.get(key, key)} for key in ROLES if key != "admin"]
    return render_template("designer/edit.html", definition=row, xml=row.xml, forms=forms,
                           operations=operations, roles=roles)


def _json_error(exc: ServiceError):
    return jsonify({"message": chinese(exc.message), "errors": exc.errors,
                    "problems": []}), exc.status


@bp.post("/admin/processes/validate")
@login_required
def validate_draft():
    _require_admin()
    try:
        result = definitions.validate(db(), read_document(), platform().forms)
    except ServiceError as exc:
        return _json_error(exc)
    finally:
        db().rollback()
    return jsonify(result)


@bp.post("/admin/processes/deploy")
@login_required
@transactional
def deploy_draft():
    user = _require_admin()
    try:
        body = read_document()
        checked = definitions.validate(db(), body, platform().forms)
        if not checked["valid"]:
            return jsonify({"message": gettext("流程文件有误，未部署"), **checked}), 422
        created = definitions.deploy(db(), body, platform().forms, user.id)
    except ServiceError as exc:
        return _json_error(exc)
    return jsonify({"process_id": created[0].process_id, "version": created[0].version,
                    "kind": created[0].kind,
                    "also_deployed": [{"process_id": c.process_id, "version": c.version}
                                      for c in created[1:]]}), 201

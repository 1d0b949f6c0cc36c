"""The talent database page (信息库) with its Excel export."""
from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext, lazy_gettext
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from ...core.models import Campaign, Unit
from ...http.context import current_user, db, platform
from ...web.base import login_required
from . import database
from .labels import STATUS_LABELS

bp = Blueprint("talents", __name__, template_folder="templates")

COLUMNS = [lazy_gettext("姓名"), lazy_gettext("用户名"), lazy_gettext("人才类别"),
           lazy_gettext("所在单位"), lazy_gettext("选拔轮次"), lazy_gettext("入库日期"),
           lazy_gettext("培养期至"), lazy_gettext("状态")]


def _category_labels() -> dict:
    schema = platform().forms.get("submit_application")
    return schema["properties"]["talent_category"].get("x-enum-labels", {})


def _filtered_talents():
    """The rows database.list_talents returns (it checks the role), filtered by the query string."""
    rows = database.list_talents(db(), current_user())
    filters = {k: request.args.get(k, "").strip() for k in ("category", "unit", "round", "status")}
    out = []
    for talent, username in rows:
        if filters["category"] and talent.talent_category != filters["category"]:
            continue
        if filters["unit"] and str(talent.unit_id) != filters["unit"]:
            continue
        if filters["round"] and str(talent.campaign_id) != filters["round"]:
            continue
        if filters["status"] and talent.status != filters["status"]:
            continue
        out.append((talent, username))
    return out, filters


def _lookups():
    units = {u.id: u.name for u in db().scalars(select(Unit).order_by(Unit.name))}
    rounds = {c.id: gettext("%(year)s 年度（%(opens)s 至 %(closes)s）", year=c.opens_on.year,
                             opens=c.opens_on.isoformat(), closes=c.closes_on.isoformat())
              for c in db().scalars(select(Campaign).order_by(Campaign.opens_on.desc()))}
    return units, rounds


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_plain_text(cell) -> None:
    """Text a spreadsheet would read as a formula (=HYPERLINK(...), +cmd, @SUM...) is stored as
    a plain string, quote-prefixed, so opening the export never runs what an applicant typed."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True


@bp.get("/talents")
@login_required
def list_page():
    rows, filters = _filtered_talents()
    units, rounds = _lookups()
    grades = platform().forms.get("unit_assessment")["properties"]["grade"].get("x-enum-labels", {})
    return render_template("talents/list.html", rows=rows, filters=filters, units=units,
                           rounds=rounds, categories=_category_labels(),
                           statuses=STATUS_LABELS, grades=grades,
                           evaluations=database.evaluations_by_user(db(), [t.user_id for t, _ in rows]))


@bp.get("/talents.xlsx")
@login_required
def export():
    rows, _ = _filtered_talents()
    units, rounds = _lookups()
    categories = _category_labels()
    book = Workbook()
    sheet = book.active
    # openpyxl takes plain str only, not lazy strings
    sheet.title = gettext("人才信息库")
    sheet.append([str(c) for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for talent, username in rows:
        sheet.append([talent.name, username, categories.get(talent.talent_category, talent.talent_category),
                      units.get(talent.unit_id, ""), rounds.get(talent.campaign_id, ""),
                      talent.registered_on, talent.period_ends_on,
                      str(STATUS_LABELS.get(talent.status, talent.status))])
        for cell in sheet[sheet.max_row]:
            _as_plain_text(cell)
    for column, width in zip("ABCDEFGH", (12, 14, 16, 28, 36, 12, 12, 10)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True,
                     download_name=gettext("人才信息库") + f"-{platform().today()}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

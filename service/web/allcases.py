"""全部案件: the cases a district user may see (all of them; finance: those it has a step in),
with filters; each row links to the case page. The same indexed query as `GET /api/instances`
(core/caselist.py)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext
from sqlalchemy import select

from ..core import caselist
from ..core.models import Unit
from ..core.registry import REGISTRY, NavLink
from ..core.roles import DISTRICT_ROLES
from ..errors import BadRequest, Forbidden
from ..http.context import current_user, db, platform
from . import queries
from .base import bp, login_required, page_args
from .casefacts import STATUS_LABELS, holder_label, status_label

REGISTRY.nav.append(NavLink("web.all_cases", lazy_gettext("全部案件"), roles=DISTRICT_ROLES,
                            order=60))


@bp.get("/cases")
@login_required
def all_cases():
    user = current_user()
    if not user.has_role(*DISTRICT_ROLES):
        raise Forbidden("仅限系统管理员和区级部门 / admin and district roles only")
    page, size = page_args()
    try:
        filters = caselist.parse_filters(request.args)
    except BadRequest:
        filters = caselist.parse_filters({})  # a tampered address shows the unfiltered list
    filters.update(limit=size, offset=(page - 1) * size)
    session = db()
    total = caselist.count(session, user, filters)
    today = platform().today()
    rows = [{"case": row.instance, "status": status_label(row.instance),
             "current": [{"title": t.title, "holder": holder_label(session, t)}
                         for t in row.open_tasks],
             "age": (today - row.instance.created_at.date()).days}
            for row in caselist.visible_cases(session, user, filters)]
    units = {u.id: u.name for u in session.scalars(select(Unit).order_by(Unit.name))}
    return render_template("web/all_cases.html", rows=rows, total=total, page=page, size=size,
                           filters=filters, units=units, statuses=STATUS_LABELS,
                           processes=queries.process_names(session))

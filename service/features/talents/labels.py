"""The Chinese names of a talent's statuses (Art. 7) and annual grades (Art. 18): one map each
for the record, its timeline and every page that shows them."""
from __future__ import annotations

from flask_babel import lazy_gettext

STATUS_LABELS = {"active": lazy_gettext("培养期内"), "ended": lazy_gettext("已期满"),
                 "exited": lazy_gettext("已退出"), "suspended": lazy_gettext("暂停培养")}
GRADE_LABELS = {"excellent": lazy_gettext("优秀"), "competent": lazy_gettext("称职"),
                "basically_competent": lazy_gettext("基本称职"), "incompetent": lazy_gettext("不称职")}

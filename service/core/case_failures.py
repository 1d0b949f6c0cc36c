"""What a user is told when the engine fails on a case: a plain message and a reference to
quote to the administrator; the engine's own text (expressions, task ids) goes to the log."""
from __future__ import annotations

import logging
import secrets

from ..errors import ServiceError
from .models import Instance

log = logging.getLogger("talentflow.core.cases")


class DiagramFailure(ServiceError):
    """A deployed diagram failed on this case: the action is refused (400, as before) with a
    plain message and a reference; the details are in the server log for the admin."""
    status = 400


class CaseUnreadable(ServiceError):
    """The case's saved state cannot be read back (a damaged row, a library upgrade without
    its migration): nothing was done; the server's fault, not the user's."""
    status = 500


def diagram_failure(instance: Instance, exc: Exception) -> DiagramFailure:
    reference = _logged(instance, "the diagram failed while running", exc)
    return DiagramFailure(f"流程配置有误，本次操作未保存，请联系系统管理员（参考编号 {reference}）/ the "
                          f"process definition failed; nothing was saved (reference {reference})",
                          {"reference": [reference]})


def case_unreadable(instance: Instance, exc: Exception) -> CaseUnreadable:
    reference = _logged(instance, "its saved state cannot be read", exc)
    return CaseUnreadable(f"案件数据无法读取，本次操作未执行，请联系系统管理员（参考编号 {reference}）/ the "
                          f"case's saved state cannot be read; nothing was done (reference "
                          f"{reference})", {"reference": [reference]})


def _logged(instance: Instance, what: str, exc: Exception) -> str:
    reference = secrets.token_hex(4)
    log.error("case %s (%s v%s): %s [ref %s]: %s", instance.id, instance.process_id,
              instance.version, what, reference, exc)
    return reference

"""Reading a BPMN/DMN document from a request body (deploy, validate; API and pages)."""
from __future__ import annotations

from flask import request

from ..errors import Invalid, ServiceError

# A diagram is tens of KB; anything near this is not one (and is refused before it is read).
MAX_DIAGRAM_BYTES = 2 * 1024 * 1024


class TooLarge(ServiceError):
    status = 413


def read_document() -> bytes:
    """The request body as a BPMN/DMN document, refused unread when it is over the limit."""
    length = request.content_length
    if length is not None and length > MAX_DIAGRAM_BYTES:
        raise TooLarge(f"流程文件过大（上限 {MAX_DIAGRAM_BYTES // 1024 // 1024} MB）/ document over "
                       f"{MAX_DIAGRAM_BYTES // 1024 // 1024} MB", {"document": ["文件过大"]})
    body = request.stream.read(MAX_DIAGRAM_BYTES + 1) if length is None else request.get_data()
    if len(body) > MAX_DIAGRAM_BYTES:
        raise TooLarge(f"流程文件过大（上限 {MAX_DIAGRAM_BYTES // 1024 // 1024} MB）/ document over "
                       f"{MAX_DIAGRAM_BYTES // 1024 // 1024} MB", {"document": ["文件过大"]})
    if not body.strip():
        raise Invalid("请求体为空 / empty body", {"document": ["需要 BPMN 或 DMN XML"]})
    return body

"""Errors the domain raises; the API turns each into the contract's JSON error shape."""
from __future__ import annotations


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class BadRequest(ServiceError):
    status = 400


class Unauthorized(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Invalid(ServiceError):
    """422: data that is well-formed but breaks a rule; `errors` maps field -> messages."""
    status = 422


class Refusal(Invalid):
    """Raised from inside a running diagram (a service task) to refuse a submission.

    The whole action is rolled back, so the task the user submitted stays open."""

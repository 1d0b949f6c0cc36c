"""The designer's pages (admin only): /admin/processes and the editor."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("designer", __name__, template_folder="templates")

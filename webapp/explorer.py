"""(being written)"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("explorer", __name__)

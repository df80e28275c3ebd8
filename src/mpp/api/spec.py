"""The committed OpenAPI spec of API v1: how it is rendered and where it lives.

Integrators read src/mpp/api/openapi.json without running MPP; a test fails when
the code and the file drift apart (fix: `mpp openapi`).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import translation

SPEC_PATH = Path(__file__).resolve().parent / "openapi.json"


def render_spec() -> str:
    """The spec as stable text: sorted keys, two-space indent, English, final newline."""
    from mpp.api.v1 import api

    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        # Round-trip first: status codes are int keys in ninja's dict, strings in JSON.
        schema = json.loads(json.dumps(schema, default=str))
        text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False)
    return text + "\n"


def committed_spec() -> str:
    return SPEC_PATH.read_text(encoding="utf-8") if SPEC_PATH.exists() else ""

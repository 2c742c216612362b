"""The YAML (or JSON: a subset) documents gcloud commands read from files (a service manifest, an
IAM policy), loaded as gcloud loads them: one document, or why it does not parse."""

from __future__ import annotations

from typing import Any


def load_document(data: bytes, what: str = "YAML") -> tuple[Any, str]:
    """(the document, "") or (None, why it is not valid): ``not valid YAML (the parser's first line)``."""
    import yaml

    try:
        return yaml.safe_load(data), ""
    except yaml.YAMLError as exc:
        return None, f"not valid {what} ({str(exc).splitlines()[0]})"
    except RecursionError:
        return None, f"not valid {what} (nested too deeply)"

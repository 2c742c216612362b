"""What a Workflows definition calls: the ``http.*`` steps that authenticate with OIDC.

A workflow's service account needs ``roles/run.invoker`` on every private Cloud Run service (or
gen2 function) it calls with ``auth: {type: OIDC}`` (docs/gcloud-facts.md, "Workflows"). The
definition is read with PyYAML's safe loader only, from a file the project-root rules allow
(``shlint_iam/roots.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_HTTP_CALL = re.compile(r"^http\.(get|post|put|patch|delete|request)$")
# https://SERVICE-HASH-REGIONCODE.a.run.app and https://SERVICE-PROJECT_NUMBER.REGION.run.app
_RUN_APP_HASH = re.compile(r"^https://([a-z0-9-]+?)-[a-z0-9]{10}-[a-z]{2,4}\.a\.run\.app(?:[/?#].*)?$")
_RUN_APP_NUMBER = re.compile(r"^https://([a-z0-9-]+?)-([0-9]+)\.([a-z0-9-]+)\.run\.app(?:[/?#].*)?$")
# https://REGION-PROJECT.cloudfunctions.net/NAME (a gen2 function's URL maps to its Cloud Run service)
_FUNCTIONS = re.compile(r"^https://([a-z]+-[a-z]+[0-9])-([a-z][a-z0-9-]*)\.cloudfunctions\.net/([A-Za-z0-9_-]+)")
MAX_NODES = 100_000


@dataclass(frozen=True)
class OidcCall:
    """One ``http.*`` step with OIDC auth to a Cloud Run service or function URL."""

    step: str  # the step's name
    url: str
    service: str  # Cloud Run service name (a function's, lower-cased)
    region: str | None  # None: not in the URL
    project: str | None


def parse_definition(data: bytes) -> Any:
    """The YAML (or JSON) of a workflow definition; raises ValueError when it does not parse."""
    import yaml

    try:
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML ({str(exc).splitlines()[0]})") from None


def oidc_calls(definition: Any) -> list[OidcCall]:
    """Every OIDC-authenticated ``http.*`` call to a Cloud Run / function URL, in file order."""
    return list(_walk(definition))


def _walk(root: Any) -> Iterator[OidcCall]:
    stack: list[tuple[str, Any]] = [("", root)]
    seen = 0
    while stack and seen < MAX_NODES:
        name, node = stack.pop()
        seen += 1
        if isinstance(node, dict):
            call = _call(name, node)
            if call is not None:
                yield call
            for key, value in reversed(list(node.items())):
                stack.append((str(key), value))
        elif isinstance(node, list):
            for item in reversed(node):
                stack.append((name, item))


def _call(name: str, step: dict[Any, Any]) -> OidcCall | None:
    call = step.get("call")
    args = step.get("args")
    if not isinstance(call, str) or not _HTTP_CALL.match(call) or not isinstance(args, dict):
        return None
    auth = args.get("auth")
    url = args.get("url")
    if not isinstance(auth, dict) or str(auth.get("type", "")).upper() != "OIDC" or not isinstance(url, str):
        return None
    url = url.strip()
    match = _RUN_APP_HASH.match(url)
    if match:
        return OidcCall(name, url, match.group(1), None, None)
    match = _RUN_APP_NUMBER.match(url)
    if match:
        return OidcCall(name, url, match.group(1), match.group(3), None)
    match = _FUNCTIONS.match(url)
    if match:
        return OidcCall(name, url, match.group(3).lower(), match.group(1), match.group(2))
    return None

"""What a Workflows definition calls: the ``http.*`` steps that authenticate with OIDC.

A workflow's service account needs ``roles/run.invoker`` on every private Cloud Run service (or
gen2 function) it calls with ``auth: {type: OIDC}`` (docs/gcloud-facts.md, "Workflows"). The
definition is read with PyYAML's safe loader only, from a file the project-root rules allow
(``shlint_iam/roots.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..records import record
from .urls import service_of_url

_HTTP_CALL = re.compile(r"^http\.(get|post|put|patch|delete|request)$")
MAX_NODES = 100_000


@record(frozen=True)
class OidcCall:
    """One ``http.*`` step with OIDC auth to a Cloud Run service or function URL."""

    step: str  # the step's name
    url: str
    service: str  # Cloud Run service name (a function's, lower-cased)
    region: str | None  # None: not in the URL
    project: str | None

    def __init__(self, step: str, url: str, service: str, region: str | None, project: str | None) -> None:
        self.__dict__.update(step=step, url=url, service=service, region=region, project=project)


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
    named = service_of_url(url)
    if named is None:
        return None
    return OidcCall(name, url.strip(), named.service, named.region, named.project)

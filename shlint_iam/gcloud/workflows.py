"""What a Workflows definition calls: the ``http.*`` steps that authenticate with OIDC.

A workflow's service account needs ``roles/run.invoker`` on every private Cloud Run service (or
gen2 function) it calls with ``auth: {type: OIDC}`` (docs/gcloud-facts.md, "Workflows"). The
definition is read with PyYAML's safe loader only, from a file the project-root rules allow
(``shlint_iam/roots.py``), or from the text the script writes (``cat > wf.yaml <<EOF``), whose unknown
parts (``url: ${SERVICE_URL}/quote``) stay in place as values (documents.load_placed): the URL is
then the same value as a command line's ``--push-endpoint="${SERVICE_URL}/quote"``. An unknown part
that may be a step, a list of steps or a call's ``auth`` leaves the definition unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..records import record
from ..shell.values import Val, Value, service_url_target
from .documents import NOT_KNOWN, load_placed
from .urls import service_of_url, service_of_value

_HTTP_CALL = re.compile(r"^http\.(get|post|put|patch|delete|request)$")
MAX_NODES = 100_000


@record(frozen=True)
class OidcCall:
    """One ``http.*`` step with OIDC auth to a Cloud Run service or function URL."""

    step: str  # the step's name
    url: Val
    service: Val  # Cloud Run service name (a function's, lower-cased)
    region: Val | None  # None: not in the URL
    project: Val | None

    def __init__(self, step: str, url: Val, service: Val, region: Val | None, project: Val | None) -> None:
        self.__dict__.update(step=step, url=url, service=service, region=region, project=project)


def parse_definition(data: bytes | Value) -> Any:
    """The YAML (or JSON) of a workflow definition (a file's bytes, or a text the script writes with
    unknown parts); raises ValueError when it does not parse."""
    if isinstance(data, Value):
        document, invalid = load_placed(data)
        if invalid:
            raise ValueError(invalid)
        return document
    import yaml

    try:
        return yaml.safe_load(data)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML ({str(exc).splitlines()[0]})") from None


def oidc_calls(definition: Any) -> list[OidcCall]:
    """Every OIDC-authenticated ``http.*`` call to a Cloud Run / function URL, in file order;
    raises ValueError when an unknown part of a written definition may be a step or a call's auth."""
    return list(_walk(definition))


# Where a definition holds steps, not data: everywhere (a (sub)workflow, `steps`, a step's body, `try`,
# `for`, `parallel`...) but in what a step hands on or tests (`args`, `assign`, `return`...). An unknown
# there (`steps: ${STEPS}`, `- ${STEP}`) may be calls; an unknown in data is data.
_DATA_KEYS = frozenset(("args", "assign", "return", "result", "condition", "value", "in", "range", "raise",
                        "next", "as", "shared", "call", "params", "retry", "concurrency_limit", "exception_policy"))


def _walk(root: Any) -> Iterator[OidcCall]:
    # (the step's name, the node, whether it stands where the definition holds steps)
    stack: list[tuple[str, Any, bool]] = [("", root, True)]
    seen = 0
    while stack and seen < MAX_NODES:
        name, node, structure = stack.pop()
        seen += 1
        if isinstance(node, dict):
            call = _call(name, node)
            if call is not None:
                yield call
            for key, value in reversed(list(node.items())):
                stack.append((str(key), value, structure and key not in _DATA_KEYS))
        elif isinstance(node, list):
            for item in reversed(node):
                stack.append((name, item, structure))
        elif structure and isinstance(node, Value):
            raise ValueError(NOT_KNOWN)


def _call(name: str, step: dict[Any, Any]) -> OidcCall | None:
    call = step.get("call")
    args = step.get("args")
    if isinstance(call, Value) and isinstance(args, dict) and "auth" in args:
        raise ValueError(NOT_KNOWN)  # `call: http.${METHOD}` with auth: an OIDC call, maybe
    if not isinstance(call, str) or not _HTTP_CALL.match(call) or not isinstance(args, dict):
        return None
    auth = args.get("auth")
    url = args.get("url")
    kind = auth.get("type", "") if isinstance(auth, dict) else auth
    if isinstance(kind, Value):
        raise ValueError(NOT_KNOWN)  # `auth: {type: ${AUTH}}`: OIDC, maybe
    if not isinstance(auth, dict) or str(kind).upper() != "OIDC":
        return None
    if isinstance(url, Value):
        # `url: ${SERVICE_URL}/quote`: the service whose URL it is, as for a command line's URL
        url = url.strip()
        traced = service_url_target(url)
        found = traced if traced is not None else service_of_value(url)
        return OidcCall(name, url, *found) if found is not None else None
    if not isinstance(url, str):
        return None
    named = service_of_url(url)
    if named is None:
        return None
    return OidcCall(name, url.strip(), named.service, named.region, named.project)

"""Which Cloud Run service (or gen2 function) a literal HTTPS URL names.

Three URL shapes reach a service (docs/gcloud-facts.md, "Cloud Run URLs"):

- ``https://SERVICE-HASH-REGIONCODE.a.run.app``: the service's name; the region only as a short
  code (``uc``, ``ew``) and no project, so both stay unknown;
- ``https://SERVICE-PROJECT_NUMBER.REGION.run.app`` (the deterministic form): name and region; the
  project only as its number, so the project stays unknown;
- ``https://REGION-PROJECT.cloudfunctions.net/NAME``: a function's URL, whose Cloud Run service is
  the function's name in lower case, with region and project.

Pub/Sub push endpoints, Cloud Scheduler URIs and Workflows ``http.*`` steps all read URLs here.
A URL the script builds from variables (``https://$REGION-$PROJECT_ID.cloudfunctions.net/NAME``,
``https://NAME-$PROJECT_NUMBER.$REGION.run.app``) is read by :func:`service_of_value` when only its
region, project or project number are unknown: the service's name must be known text.
"""

from __future__ import annotations

import re

from ..lazyre import lazy
from ..records import record
from ..shell.values import Unknown, Val, Value, concat, parts, project_of_number

_REST = r"(?:[/?#].*)?$"
# A service name starts with a letter and does not end with a dash (docs/gcloud-facts.md): a URL
# built from an empty name (`https://$1-abc123-uc.a.run.app` with no $1) names no service.
_NAME = r"([a-z](?:[a-z0-9-]*?[a-z0-9])??)"
_RUN_APP_HASH = re.compile(r"^https://" + _NAME + r"(?:-[a-z0-9]{10})?-[a-z]{2,4}\.a\.run\.app(?::443)?" + _REST)
_RUN_APP_NUMBER = lazy(
    r"^https://" + _NAME + r"-([0-9]{6,})\.([a-z]+-[a-z]+[0-9]+)\.run\.app(?::443)?" + _REST
)
_FUNCTIONS = lazy(
    r"^https://([a-z]+-[a-z]+[0-9]+)-([a-z][a-z0-9-]*)\.cloudfunctions\.net(?::443)?/([A-Za-z][A-Za-z0-9_-]*)" + _REST
)


@record(frozen=True)
class ServiceUrl:
    """The service a URL names; None where the URL does not say."""

    service: str
    region: str | None
    project: str | None

    def __init__(self, service: str, region: str | None, project: str | None) -> None:
        self.__dict__.update(service=service, region=region, project=project)


def _lower_host(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    return f"{scheme.lower()}://{rest[:cut].lower()}{rest[cut:]}"


def service_of_url(url: str) -> ServiceUrl | None:
    """The service ``url`` (a literal, whole URL) names, or None when it names none we know.
    Scheme and host are read in lower case, as DNS reads them (``https://Orders-...`` reaches the
    service ``orders``); the path keeps its case."""
    url = _lower_host(url.strip())
    match = _RUN_APP_HASH.match(url)
    if match:
        return ServiceUrl(match.group(1), None, None)
    match = _RUN_APP_NUMBER().match(url)
    if match:
        return ServiceUrl(match.group(1), match.group(3), None)
    match = _FUNCTIONS().match(url)
    if match:
        return ServiceUrl(match.group(3).lower(), match.group(1), match.group(2))
    return None


# The same shapes over a URL's template: each unknown part stands as one private-use character
# (`_HOLE`), which may be a whole region, project number or project (or part of a project), never
# part of the service's name.
_HOLE = "[\ue000-\uf8ff]"
_REGION = r"(?:[a-z]+-[a-z]+[0-9]+|" + _HOLE + ")"
_PARTIAL_RUN_APP_NUMBER = lazy(
    r"^https://([a-z](?:[a-z0-9-]*[a-z0-9])?)-([0-9]{6,}|" + _HOLE + r")\.(" + _REGION + r")\.run\.app(?::443)?"
    + r"(?:[/?#].*)?$", re.S)
_PARTIAL_FUNCTIONS = lazy(
    r"^https://(" + _REGION + r")-((?:[a-z0-9-]|" + _HOLE + r")+)\.cloudfunctions\.net(?::443)?"
    + r"/([A-Za-z][A-Za-z0-9_-]*)(?:[/?#].*)?$", re.S)
# A Cloud Scheduler job runs a workflow by calling the Workflow Executions API (docs/gcloud-facts.md).
_EXECUTIONS = lazy(
    r"^https://workflowexecutions\.googleapis\.com(?::443)?/v1(?:beta)?/projects/([^/?#]+)/locations/([^/?#]+)"
    + r"/workflows/([A-Za-z][A-Za-z0-9_-]*)/executions/?(?:[?#].*)?$", re.S)


class _Template:
    """A URL's text with each unknown part as one private-use character (at most 6399 of them)."""

    def __init__(self, url: Val) -> None:
        self.holes: list[Unknown] = []
        text: list[str] = []
        for part in parts(url):
            if isinstance(part, str):
                text.append(part)
            elif len(self.holes) < 0x18FF:
                text.append(chr(0xE000 + len(self.holes)))
                self.holes.append(part)
            else:
                text.append("\x00")  # matches no shape
        self.text = _lower_host("".join(text).strip())

    def value(self, piece: str) -> Val:
        """The value a piece of the template stands for."""
        return concat(*(Value((self.holes[ord(c) - 0xE000],), self.holes[ord(c) - 0xE000].size)
                        if "\ue000" <= c <= "\uf8ff" else c for c in piece))


def service_of_value(url: Val) -> tuple[str, Val, Val | None] | None:
    """(service, region, project) a URL that is partly unknown names; None when it names none we
    know or when its service's name is not known text. The region and project are values (the
    parts of the URL that hold them). A ``*.run.app`` URL shows only the project's number: the
    project is the one whose number it is (`$(gcloud projects describe P
    --format='value(projectNumber)')`), else None."""
    template = _Template(url)
    match = _PARTIAL_RUN_APP_NUMBER().match(template.text)
    if match:
        return match.group(1), template.value(match.group(3)), project_of_number(template.value(match.group(2)))
    match = _PARTIAL_FUNCTIONS().match(template.text)
    if match:
        return match.group(3).lower(), template.value(match.group(1)), template.value(match.group(2))
    return None


def workflow_of_value(url: Val) -> tuple[str, Val, Val] | None:
    """(workflow, location, project) whose executions ``url`` creates
    (``https://workflowexecutions.googleapis.com/v1/projects/P/locations/L/workflows/W/executions``);
    None for any other URL or when the workflow's name is not known text. Project and location
    may be unknown (the parts of the URL that hold them)."""
    template = _Template(url)
    match = _EXECUTIONS().match(template.text)
    if match is None:
        return None
    return match.group(3), template.value(match.group(2)), template.value(match.group(1))

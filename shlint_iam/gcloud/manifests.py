"""Knative Service manifests, as ``gcloud run services replace FILE`` reads them (docs/gcloud-facts.md):
the service is ``metadata.name``; its region, unless ``--region`` is given, the
``cloud.googleapis.com/location`` label; ``metadata.namespace``, when present, must be the project;
the ``run.googleapis.com/invoker-iam-disabled: 'true'`` annotation makes the service public."""

from __future__ import annotations

from typing import Any

from ..records import record
from ..shell.values import Val, Value
from .documents import load_document, load_placed

REGION_LABEL = "cloud.googleapis.com/location"
INVOKER_IAM_DISABLED = "run.googleapis.com/invoker-iam-disabled"


@record(frozen=True)
class Manifest:
    """What a service manifest says about where the service goes (None: it does not say)."""

    name: Val | None  # with unknown parts when the script writes the manifest (`name: ${SERVICE}`)
    region: Val | None
    namespace: Val | None
    invoker_iam_disabled: bool  # the Invoker IAM check is off: anyone may call the service

    def __init__(self, name: Val | None, region: Val | None, namespace: Val | None,
                 invoker_iam_disabled: bool = False) -> None:
        self.__dict__.update(name=name, region=region, namespace=namespace, invoker_iam_disabled=invoker_iam_disabled)


def parse_manifest(data: bytes | Value) -> Manifest | str:
    """The manifest in ``data`` (a file's bytes, or a text the script writes with unknown parts:
    documents.load_placed), or why it is not one (gcloud loads one YAML document)."""
    document, invalid = load_placed(data) if isinstance(data, Value) else load_document(data)
    if invalid:
        return invalid
    metadata = document.get("metadata") if isinstance(document, dict) else None
    if not isinstance(metadata, dict):
        return "not a service manifest (no metadata)"
    labels = metadata.get("labels")
    region = labels.get(REGION_LABEL) if isinstance(labels, dict) else None
    annotations = metadata.get("annotations")
    disabled = _text(annotations.get(INVOKER_IAM_DISABLED)) if isinstance(annotations, dict) else None
    return Manifest(name=_text(metadata.get("name")), region=_text(region), namespace=_text(metadata.get("namespace")),
                    invoker_iam_disabled=isinstance(disabled, str) and disabled.lower() == "true")


def _text(value: Any) -> Val | None:
    """A scalar as gcloud turns it into a string field (a number namespace becomes its digits)."""
    if value is None or isinstance(value, (dict, list)):
        return None
    return value if isinstance(value, Value) else str(value)

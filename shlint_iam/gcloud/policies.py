"""IAM policy files, as ``gcloud ... set-iam-policy RESOURCE POLICY_FILE`` reads them (JSON or
YAML: docs/gcloud-facts.md): the policy's ``bindings``, each a ``role`` and its ``members``. The
command replaces the resource's whole policy with the file's. A policy the script writes from values
the analysis does not know (``cat > policy.json <<EOF``) is read with those values in place
(documents.load_placed): a member is then a value with unknown parts, as on a command line."""

from __future__ import annotations

from ..records import record
from ..shell.values import Val, Value
from .documents import load_document, load_placed


@record(frozen=True)
class PolicyBinding:
    """One member's role in a policy file (``conditional``: the binding has a ``condition``)."""

    member: Val
    role: str
    conditional: bool

    def __init__(self, member: Val, role: str, conditional: bool = False) -> None:
        self.__dict__.update(member=member, role=role, conditional=conditional)


def parse_policy(data: bytes | Value) -> list[PolicyBinding] | str:
    """The bindings of the policy in ``data`` (a file's bytes, or a text the script writes with
    unknown parts), or why it is not one."""
    document, invalid = load_placed(data) if isinstance(data, Value) else load_document(data, "JSON or YAML")
    if invalid:
        return invalid
    if not isinstance(document, dict):
        return "not an IAM policy (no bindings)"
    bindings = document.get("bindings", [])
    if not isinstance(bindings, list):
        return "not an IAM policy (bindings is not a list)"
    found: list[PolicyBinding] = []
    for item in bindings:
        if not isinstance(item, dict) or not isinstance(item.get("role"), str):
            # a role with unknown parts may be any role: the policy is not known
            return "not an IAM policy (a binding without a role)"
        members = item.get("members", [])
        if not isinstance(members, list) or not all(isinstance(m, (str, Value)) for m in members):
            return "not an IAM policy (members is not a list of strings)"
        conditional = item.get("condition") is not None
        found.extend(PolicyBinding(member, item["role"], conditional) for member in members)
    return found

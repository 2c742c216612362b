"""Abstract string values: known text with embedded *atoms* for the parts that cannot be known.

A value is a plain ``str``. Where part of it cannot be worked out statically (an environment
variable, the output of a command, a value that differs between branches) it holds an atom:
``ATOM_START + label + ATOM_END``, with characters from Unicode's private use area that no real
script contains. Two values with the same atom come from the same unknown, so they are equal;
a value without atoms is fully known.
"""

from __future__ import annotations

import re

ATOM_START = "\ue000"
ATOM_END = "\ue001"
_ATOM = re.compile("\ue000([^\ue001]*)\ue001")


def atom(label: str) -> str:
    """An unknown value identified by ``label`` (``env:PROJECT``, ``out:12:3`` ...)."""
    return f"{ATOM_START}{label}{ATOM_END}"


def written(text: str) -> str:
    """An unknown that a runner substitutes into the script (``${{ secrets.SA }}`` in a workflow,
    ``$PROJECT_ID`` in a build config, ``$(REGION)`` in a Makefile), shown as it was written."""
    return atom(f"as:{text}")


def env_default_atom(name: str, default: str) -> str:
    """``${NAME:-default}`` where the script never sets NAME: the environment may."""
    return atom(f"envdefault:{name}={default}")


_ENV_DEFAULT = re.compile("\ue000envdefault:[^=\ue001]*=([^\ue001]*)\ue001")


def resolve_defaults(value: str) -> str:
    """``value`` with each ``${NAME:-default}`` of an unset NAME replaced by its default: what a
    command sees when the environment does not set NAME."""
    if ATOM_START not in value:
        return value
    return _ENV_DEFAULT.sub(lambda m: m.group(1), value)


def is_known(value: str) -> bool:
    return ATOM_START not in value


def atoms(value: str) -> list[str]:
    return _ATOM.findall(value)


def is_resolved(value: str) -> bool:
    """Known, or unknown only in ways the analysis resolved symbolically (a project's number,
    a service's URL): such values still compare reliably."""
    return all(a.startswith(("projectNumber:", "runUrl:")) and is_known(a.split(":", 1)[1]) for a in atoms(value))


def show(value: str) -> str:
    """A value for messages: atoms become ``$NAME`` or ``<unknown>``."""
    if is_known(value):
        return value

    def one(match: re.Match[str]) -> str:
        label = match.group(1)
        kind, _, rest = label.partition(":")
        if kind in ("env", "var"):
            return "$" + rest.split("@", 1)[0]
        if kind == "envdefault":
            env_name, _, default = rest.partition("=")
            return f"${{{env_name}:-{default}}}"
        if kind == "as":
            return rest
        if kind == "projectNumber":
            return "PROJECT_NUMBER"
        if kind == "prop":
            return f"<{rest} from gcloud config>"
        if kind == "runUrl":
            return f"<URL of service {rest}>"
        return "<unknown>"

    return _ATOM.sub(one, value)


def project_number_atom(project: str) -> str:
    """The number of ``project`` as gcloud would print it (``projects describe``)."""
    return atom(f"projectNumber:{project}")


def project_of_number(value: str) -> str | None:
    """``P`` if ``value`` is exactly the number of project P, else None."""
    match = _ATOM.fullmatch(value)
    if match and match.group(1).startswith("projectNumber:"):
        return match.group(1)[len("projectNumber:") :]
    return None


def run_url_atom(service: str, region: str, project: str) -> str:
    return atom(f"runUrl:{service}|{region}|{project}")


def run_url_target(value: str) -> tuple[str, str, str] | None:
    """(service, region, project) if ``value`` starts with the URL of a Cloud Run service."""
    match = _ATOM.match(value)
    if match and match.group(1).startswith("runUrl:"):
        service, region, project = match.group(1)[len("runUrl:") :].split("|", 2)
        return service, region, project
    return None


def may_equal(a: str, b: str) -> bool:
    """False only when ``a`` and ``b`` are surely different strings."""
    if a == b:
        return True
    if is_known(a) and is_known(b):
        return False
    # Compare the known prefix and suffix around the atoms.
    pa, pb = a.split(ATOM_START, 1)[0], b.split(ATOM_START, 1)[0]
    n = min(len(pa), len(pb))
    if pa[:n] != pb[:n]:
        return False
    sa, sb = a.rsplit(ATOM_END, 1)[-1], b.rsplit(ATOM_END, 1)[-1]
    n = min(len(sa), len(sb))
    return n == 0 or sa[-n:] == sb[-n:]

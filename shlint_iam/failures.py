"""The problems that say what failed while linting, naming whom to tell: a bug in shlint-iam (an
issue at ISSUES_URL), or a rule, with the plugin it comes from (its authors)."""

from __future__ import annotations

from .core import FileProblem, Rule
from .guard import ExitFromCode
from .model import INCOMPLETE

ISSUES_URL = "https://github.com/shlint-iam/shlint-iam/issues"


def internal_error(path: str, exc: BaseException) -> FileProblem:
    """The problem of a bug in shlint-iam met while linting ``path``."""
    return FileProblem(
        path,
        f"analysis incomplete: internal error ({_exception(exc)}); please report it at {ISSUES_URL} with this file",
        INCOMPLETE,
    )


def rule_failure(path: str, rule: type[Rule], exc: BaseException, cross_file: bool = False) -> FileProblem:
    """The problem of a rule whose check raised: it names the rule and, for a plugin rule, the
    plugin (distribution) it comes from, so the user knows whom to tell."""
    where = "cross-file check" if cross_file else "check"
    what = "failed with an internal error" if rule.origin == "shlint-iam" else "raised"
    return FileProblem(path, _blame(rule, where, f"{what} {_exception(exc)}", "with this file"), INCOMPLETE,
                       rule=rule.code)


def _blame(rule: type[Rule], where: str, happened: str, report_with: str = "") -> str:
    """``analysis incomplete: the WHERE of rule CODE [from plugin P] HAPPENED; whom to tell``."""
    if rule.origin == "shlint-iam":
        tail = f"please report it at {ISSUES_URL}" + (f" {report_with}" if report_with else "")
        return f"analysis incomplete: the {where} of rule {rule.code} {happened}; {tail}"
    return (f"analysis incomplete: the {where} of rule {rule.code} from plugin {rule.origin} {happened}; its "
            "findings are missing (report it to the plugin's authors)")


def _exception(exc: BaseException) -> str:
    if isinstance(exc, ExitFromCode):
        exc = exc.original
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def rule_crash(rule: type[Rule], how: str) -> FileProblem:
    """The problem of a cross-file check that killed the process running it (``how``: ``killed by
    signal SIGSEGV``), naming the rule and, for a plugin rule, its plugin."""
    return FileProblem("", _blame(rule, "cross-file check", f"crashed ({how})"), INCOMPLETE, rule=rule.code)

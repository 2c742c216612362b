"""`tr` and `sed` over known input, as deploy scripts use them to derive service names from other
names (`echo "$FN" | tr '[:upper:]_' '[:lower:]-'`, `echo "$FN" | sed 's/_/-/g'`): the modelled
forms print what GNU tr and GNU sed print; the others are unknown (None), never a guess."""

from __future__ import annotations

import itertools
import shutil
import subprocess

import pytest

from shlint_iam.shell.builtins import _sed, _tr


def gnu(tool: str) -> bool:
    path = shutil.which(tool)
    if path is None:
        return False
    version = subprocess.run([path, "--version"], capture_output=True, text=True)
    return version.returncode == 0 and "GNU" in version.stdout


INPUTS = ["Order_Processor_Prod", "my_func_v2\n", "api-service", "a.b.c\nx_y\n", "Hello World", "orders"]
TR_SETS = [["[:upper:]", "[:lower:]"], ["[:lower:]", "[:upper:]"], ["_", "-"], [" ", "\\n"], ["-d", "\\n"],
           ["-d", "[:space:]"], ["a-z", "A-Z"], ["_ ", "-"], ["abc", "xy"], ["-d", "_-"], ["[:upper:]_", "[:lower:]-"],
           ["aa", "xy"], ["ab", "xyz"]]
SED_SCRIPTS = [["s/_/-/g"], ["s/_/-/"], ["-e", "s/_/-/g", "-e", "s/v2/v3/"], ["s/\\(.*\\)_\\(.*\\)/\\2-\\1/"],
               ["-E", "s/([a-z]+)_([a-z]+)/\\2_\\1/g"], ["s/^/fn-/"], ["s/$/-topic/"], ["s/\\./-/g"],
               ["s/[^a-z0-9-]/-/g"], ["s/[[:upper:]]/x/g"], ["s|_|/|g"], ["s/_/-/g; s/-prod$//"], ["s/ /_/g"],
               ["s/[[:space:]]//g"], ["s/_\\+/-/g"], ["-r", "s/(o)+/0/g"], ["s/&/and/"], ["s/o/[&]/g"]]


@pytest.mark.skipif(not gnu("tr"), reason="GNU tr is not installed")
def test_tr_prints_what_gnu_tr_prints() -> None:
    for text, sets in itertools.product(INPUTS, TR_SETS):
        expected = subprocess.run(["tr", *sets], input=text, capture_output=True, text=True, check=True).stdout
        assert _tr(text, list(sets)) == expected, (text, sets)


@pytest.mark.skipif(not gnu("sed"), reason="GNU sed is not installed")
def test_sed_substitutions_print_what_gnu_sed_prints() -> None:
    modelled = 0
    for text, script in itertools.product(INPUTS, SED_SCRIPTS):
        ours = _sed(text, list(script))
        if ours is None:
            continue
        modelled += 1
        assert ours == subprocess.run(["sed", *script], input=text, capture_output=True, text=True,
                                      check=True).stdout, (text, script)
    assert modelled == len(INPUTS) * len(SED_SCRIPTS)


@pytest.mark.parametrize("script", [
    ["s/o*/0/g"],  # empty matches: sed and Python place them differently
    ["s/[A-Z]/\\L&/g"],  # GNU case conversion
    ["y/abc/xyz/"], ["-n", "s/a/b/p"], ["-i", "s/a/b/", "file"], ["s/a/b/", "file.txt"], ["s/a/b/w out.txt"],
    ["s/a\\{2\\}/b/"],
])
def test_sed_forms_not_modelled_are_unknown(script: list[str]) -> None:
    assert _sed("aab\n", list(script)) is None


def test_tr_forms_not_modelled_are_unknown() -> None:
    assert [_tr("a", args) for args in (["-s", "a"], ["-c", "a", "b"], ["[a*3]", "b"], ["z-a", "b"])] == [None] * 4

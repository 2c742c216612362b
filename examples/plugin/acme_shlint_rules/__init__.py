"""ACME's house rules for shlint-iam.

The ``shlint_iam.rules`` entry point names this module: shlint-iam loads every rule class
defined here or in a submodule.
"""

from .runtime_account import DefaultComputeRuntimeAccount

__all__ = ["DefaultComputeRuntimeAccount"]

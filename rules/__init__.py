"""The built-in rules of shlint-iam, one module per rule (imported as ``shlint_iam.rules``)."""

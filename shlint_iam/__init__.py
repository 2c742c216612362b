"""shlint-iam: a static linter for shell scripts that deploy Cloud Functions and Cloud Run services."""

__version__ = "0.2.0"

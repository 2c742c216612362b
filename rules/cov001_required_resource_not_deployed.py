from __future__ import annotations

from collections.abc import Iterator

from shlint_iam.api import (
    Config,
    Deploy,
    Finding,
    ProjectContext,
    Rule,
    Severity,
    Span,
    display_path,
    invoker_analysis,
    is_known,
)


class RequiredResourceNotDeployed(Rule):
    """## What it does
    After every file is linted, checks that each name in the `required-resources` setting is
    deployed, with a satisfying invoker binding on every path, by some linted script. A resource
    that no script deploys is reported too. The finding points at the entry in the
    configuration file.

    ## Why it matters
    The incident behind shlint-iam involved three orchestrators; a fix that covers two of them
    looks complete in review. Listing the resources that must be invocable turns "every
    orchestrator" into something a linter can check across the repository.

    ## Example
    ```toml
    [tool.shlint-iam]
    required-resources = ["phase3-to-phase4-orchestrator", "phase5-to-phase6-orchestrator"]
    ```
    with scripts that deploy and bind only `phase3-to-phase4-orchestrator`.

    ## Fix
    Deploy the missing resource with its invoker binding in one of the linted scripts (or lint
    the script that does), or remove it from `required-resources`.
    """

    code = "COV001"
    name = "required-resource-not-deployed"
    summary = "a required resource is not deployed with its invoker binding by any linted script"
    severity = Severity.ERROR
    tags = ("iam", "coverage")
    precision = "high"

    @classmethod
    def wants_project(cls, config: Config) -> bool:
        return bool(config.required_resources)

    def check_project(self, ctx: ProjectContext) -> Iterator[Finding]:
        required = ctx.config.required_resources
        if not required:
            return
        covered: set[str] = set()
        deployed_at: dict[str, Span] = {}
        for file_ctx in ctx.files:
            for deploy in file_ctx.facts(Deploy):
                # Required names are literal: only a deploy of a known name can be one of them.
                for key in {n.lower() for n in (deploy.name, deploy.service.name) if is_known(n)}:
                    deployed_at.setdefault(key, deploy.span)
                    if not deploy.event_invoked and deploy.kind == "function":
                        covered.add(key)  # nothing to bind (HTTP or gen1)
            for outcome in invoker_analysis(file_ctx).outcomes:
                req = outcome.requirement
                if outcome.bound and not outcome.unbound:
                    covered.update(n.lower() for n in (req.service.name, *(d.name for d in req.deploys))
                                   if is_known(n))
        config_path = display_path(ctx.config.path) if ctx.config.path else "pyproject.toml"
        for name in required:
            key = name.lower()
            if key in covered:
                continue
            line = ctx.config.required_resource_lines.get(name, 1)
            span = Span(config_path, line, 1, line, 1)
            col = ctx.config.required_resource_columns.get(name)
            if col is not None:
                span = Span(config_path, line, col + 1, line, col + len(name) + 3)
            if key in deployed_at:
                where = deployed_at[key]
                message = (f"required resource {name} is deployed ({where.path}:{where.start_line}) but does not "
                           "get its invoker binding on every path")
            else:
                message = f"required resource {name} is not deployed by any linted script"
            yield ctx.report(self, span, message)

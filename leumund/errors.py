"""The few errors that reach the operator; the CLI turns each into one line and exit 2.

LeumundError
├── ConfigError      config.yaml missing, unparsable or invalid (one line per problem)
└── OperatorError    a command used wrongly or a resource it needs is unavailable
"""

from __future__ import annotations


class LeumundError(Exception):
    """Base of errors whose message is meant for the operator, not a traceback."""


class ConfigError(LeumundError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class OperatorError(LeumundError):
    pass

"""The one error hierarchy of multus-gen and the exit codes it maps to.

Exit codes (the CLI maps errors to them in exactly one place, ``cli.actions.invoke``):

* 0 -- success
* 1 -- invalid input, failed validation, or a delivery that was refused
* 2 -- usage error (unknown flag, bad flag value)
* 3 -- unexpected bug (anything that is not a ``MultusGenError``)
"""

from __future__ import annotations

from multus_gen.findings import ERROR, Finding, Location

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 3


class MultusGenError(Exception):
    """Base class: a failure the user can fix, carrying one :class:`~multus_gen.findings.Finding`.

    ``where`` names the flag (``--set``) or a label (``chart values``) the problem is in; ``at`` is a
    structured location (file, JSON path, line) instead; ``fix`` says what to do; ``rule`` is the id of the
    rule that refused (``--allow RULE`` overrides it where the rule allows that). Rendered as one line.
    """

    exit_code = EXIT_INVALID

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        at: Location | None = None,
        rule: str | None = None,
    ) -> None:
        super().__init__(message)
        if at is None:
            at = Location(flag=where) if where is not None and where.startswith("-") else Location(label=where)
        self.finding = Finding(ERROR, message, fix, at, rule)

    @classmethod
    def of(cls, finding: Finding) -> MultusGenError:
        """The error that reports ``finding``."""
        return cls(finding.message, fix=finding.fix, at=finding.at, rule=finding.rule)

    @property
    def message(self) -> str:
        return self.finding.message

    @property
    def fix(self) -> str | None:
        return self.finding.fix

    @property
    def where(self) -> str | None:
        """The location as shown (formatted once, by :meth:`Location.text`)."""
        return self.finding.at.text() or None

    def one_line(self) -> str:
        return self.finding.one_line()


class UsageError(MultusGenError):
    """The command line itself is wrong (a flag's value, a missing argument)."""

    exit_code = EXIT_USAGE


class InputError(MultusGenError):
    """An input (a flag's value, a values file, a spec file) is invalid."""


class ValidationError(MultusGenError):
    """A generated or checked document failed schema or semantic validation."""


class DeliveryError(MultusGenError):
    """A sink refused to write (symlink target, .skip file, dirty path, push rejected...)."""

"""The one error hierarchy of multus-gen and the exit codes it maps to.

Exit codes (the CLI maps errors to them in exactly one place, ``cli.run``):

* 0 -- success
* 1 -- invalid input, failed validation, or a delivery that was refused
* 2 -- usage error (unknown flag, bad flag value)
* 3 -- unexpected bug (anything that is not a ``MultusGenError``)
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 3


class MultusGenError(Exception):
    """Base class: a failure the user can fix. Rendered as one line on stderr.

    ``where`` names the flag, file or JSON path the problem is in (``--set``,
    ``values.yaml::$.config.cni_conf.binDir``); ``fix`` says what to do about it.
    """

    exit_code = EXIT_INVALID

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.fix = fix

    def one_line(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text = f"{text} ({self.fix})"
        # Never more than one line, whatever the message carried.
        return " ".join(text.split())


class UsageError(MultusGenError):
    """The command line itself is wrong (a flag's value, a missing argument)."""

    exit_code = EXIT_USAGE


class InputError(MultusGenError):
    """An input (a flag's value, a values file, a spec file) is invalid."""


class ValidationError(MultusGenError):
    """A generated or checked document failed schema or semantic validation."""


class DeliveryError(MultusGenError):
    """A sink refused to write (symlink target, .skip file, dirty path, push rejected...)."""

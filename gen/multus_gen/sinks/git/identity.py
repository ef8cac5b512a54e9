"""Who commits and how it is signed: git's own identity (``git var``), the opt-in fallback of
``MULTUS_GEN_GIT_IDENTITY``, and ``git commit-tree`` (``-S`` when ``commit.gpgsign`` is on)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from multus_gen.errors import DeliveryError
from multus_gen.sinks.git.run import _Git, _last_lines

FALLBACK_IDENTITY = ("multus-gen", "multus-gen@localhost")
"""The identity ``MULTUS_GEN_GIT_IDENTITY=default`` opts in to."""

IDENTITY_ENV = "MULTUS_GEN_GIT_IDENTITY"
"""Opt-in identity (``Name <email>``, or ``default``) used only where git itself has none."""

NO_IDENTITY = "no git identity: set user.name and user.email (git config) or GIT_AUTHOR_*"


def _identity_env(g: _Git, author: tuple[str, str] | None) -> dict[str, str]:
    """Environment for ``commit-tree``: ``author`` if given; where git has no identity of its own
    (``git var`` fails, as ``git commit`` would), the opt-in ``MULTUS_GEN_GIT_IDENTITY`` or a refusal."""
    env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]} if author else {}
    for role in ("AUTHOR", "COMMITTER"):
        if g.run("var", f"GIT_{role}_IDENT", env=env, check=False)[0] == 0:
            continue
        fallback = _opt_in_identity()
        if fallback is None:
            raise DeliveryError(
                NO_IDENTITY,
                where=g.where,
                fix=f'or let multus-gen use one of its own: {IDENTITY_ENV}="Name <email>"',
            )
        env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = fallback
    return env


def _opt_in_identity() -> tuple[str, str] | None:
    value = os.environ.get(IDENTITY_ENV, "").strip()
    if not value:
        return None
    if value == "default":
        return FALLBACK_IDENTITY
    match = re.fullmatch(r"([^<>]*?)\s*<([^<>\s]+)>", value)
    if match is None or not match.group(1).strip():
        raise DeliveryError(f"{IDENTITY_ENV} is not 'Name <email>' (or 'default')", where=IDENTITY_ENV)
    return match.group(1).strip(), match.group(2)


def _commit_tree(g: _Git, tree: str, parent: str | None, message: str, env: Mapping[str, str] | None = None) -> str:
    """``git commit-tree``: git's identity (with ``g.commit_env``/``env`` overrides), signed when
    ``commit.gpgsign`` is on -- a failing signer refuses the commit."""
    args = ["commit-tree", tree]
    if parent is not None:
        args += ["-p", parent]
    if g.sign:
        args.append("-S")
    text = message.strip("\n") + "\n"
    status, out, err = g.run(*args, "-F", "-", env={**g.commit_env, **(env or {})}, stdin=text.encode(), check=False)
    if status == 0:
        return out
    if g.sign:
        raise DeliveryError(
            f"commit.gpgsign is on but git could not sign the commit: {_last_lines(err)}; nothing was committed",
            where=g.where,
            fix="fix signing (gpg.program, gpg.format, user.signingkey) or set commit.gpgsign false",
        )
    raise DeliveryError(f"git commit-tree failed: {_last_lines(err or out)}", where=g.where)

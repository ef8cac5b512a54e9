"""Push the branch; when the remote moved on, re-make our commit on the remote tip (only when it touches
nothing but our paths) and push once more."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.record import record, replace
from multus_gen.sinks import CommitOutcome
from multus_gen.sinks.git.identity import _commit_tree
from multus_gen.sinks.git.paths import _check_tree_path
from multus_gen.sinks.git.run import _build_tree, _Git, _Item, _last_lines, _update_ref, redact_credentials


def _network_env(g: _Git) -> dict[str, str]:
    """Never prompt: no terminal credential prompts; ssh in batch mode unless the user set ssh up."""
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if not (os.environ.get("GIT_SSH_COMMAND") or os.environ.get("GIT_SSH")) and not g.ok(
        "config", "--get", "core.sshCommand"
    ):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def _push(g: _Git, remote: str, ref: str) -> tuple[str, str]:
    """Push ``ref`` to the same name on ``remote``: ("ok"|"rejected"|"error", message)."""
    status, out, err = g.run("push", "--porcelain", "--", remote, f"{ref}:{ref}", env=_network_env(g), check=False)
    if status == 0:
        return "ok", ""
    for line in out.splitlines():
        if line.startswith("!") and "[rejected]" in line and ("fetch first" in line or "non-fast-forward" in line):
            return "rejected", _last_lines(line)
    hook = Path(g.where, g.out("rev-parse", "--git-path", "hooks/pre-push").strip())
    if not any(line.startswith("!") for line in out.splitlines()) and os.access(hook, os.X_OK):
        return "error", f"the pre-push hook refused it ({_last_lines(err + chr(10) + out)})"
    return "error", _last_lines(err + "\n" + out)


def _fetch(g: _Git, remote: str, ref: str) -> str:
    status, _out, err = g.run("fetch", "--no-tags", "--", remote, ref, env=_network_env(g), check=False)
    if status != 0:
        raise DeliveryError(
            f"push was rejected and fetching {ref.removeprefix('refs/heads/')} from "
            f"{redact_credentials(remote)} failed: {_last_lines(err)}",
            where=g.where,
        )
    return g.out("rev-parse", "--verify", "FETCH_HEAD^{commit}")


@record
class _Pushing:
    remote: str
    checked_out: bool
    created: bool  # the local branch did not exist before this run (its start point is not "ours")
    message: str


def _push_and_finish(
    g: _Git, outcome: CommitOutcome, ref: str, items: Sequence[_Item], how: _Pushing, drops: Sequence[str] = ()
) -> CommitOutcome:
    """Push; if the remote moved on, re-make our commit on the remote tip and push once more. ``drops``: the
    paths our commit deleted (``--prune``), which count as ours too."""
    branch, remote = outcome.branch, how.remote
    kept = f"the local commit {outcome.sha[:12]} on {branch} is kept" if outcome.sha else "nothing was committed"
    result, detail = _push(g, remote, ref)
    if result == "ok":
        return replace(outcome, pushed=True)
    if result == "error":
        raise DeliveryError(
            f"push of {branch} to {redact_credentials(remote)} failed: {detail}; {kept}",
            where=g.where,
            fix="check the remote's URL and credentials, then run again",
        )
    tip = outcome.sha
    assert tip is not None  # a rejected push means there was something to push
    remote_tip = _fetch(g, remote, ref)
    conflict_fix = f"pull {branch}, resolve, and run again"
    if how.created:
        # A branch new in this run: its start point was only a guess, so start over from the remote tip.
        return _rebase(g, outcome, ref, items, drops, how, tip, remote_tip, kept, conflict_fix)
    if g.ok("merge-base", "--is-ancestor", tip, remote_tip) is not None:
        # The remote already contains everything we have: it only matters whether it has our bytes.
        changed = [item.path for item in items if g.blob_at(remote_tip, item.path) != item.blob]
        changed += [path for path in drops if g.entry(remote_tip, path) is not None]
        if changed:
            raise DeliveryError(
                f"the remote changed {', '.join(changed)} on {branch} after your last pull",
                where=g.where,
                fix=conflict_fix,
            )
        return outcome
    # Re-make the tip commit on the remote tip: allowed if it is a one-parent commit touching only
    # our paths, its parent is on the remote, and the remote left our paths alone (or made them ours).
    parents = g.out("rev-list", "--parents", "-n", "1", tip).split()[1:]
    parent = parents[0] if parents else None
    if len(parents) > 1:
        raise DeliveryError(
            f"{branch} ends in a merge commit the remote does not have; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    ours = {item.path for item in items} | set(drops)
    touched = set(
        filter(None, g.out("diff-tree", "-r", "-z", "--name-only", "--no-commit-id", "--root", tip).split("\0"))
    )
    if not touched <= ours or (parent is not None and g.ok("merge-base", "--is-ancestor", parent, remote_tip) is None):
        raise DeliveryError(
            f"{branch} has local commits that are not on {redact_credentials(remote)}, so the push was "
            f"rejected; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    conflicts = [
        item.path for item in items if g.blob_at(remote_tip, item.path) not in {g.blob_at(parent, item.path), item.blob}
    ]
    conflicts += [path for path in drops if g.entry(remote_tip, path) not in (g.entry(parent, path), None)]
    if conflicts:
        raise DeliveryError(
            f"the remote changed {', '.join(conflicts)} on {branch} differently; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    return _rebase(g, outcome, ref, items, drops, how, tip, remote_tip, kept, conflict_fix)


def _rebase(
    g: _Git,
    outcome: CommitOutcome,
    ref: str,
    items: Sequence[_Item],
    drops: Sequence[str],
    how: _Pushing,
    tip: str,
    remote_tip: str,
    kept: str,
    conflict_fix: str,
) -> CommitOutcome:
    branch, remote, checked_out, message = outcome.branch, how.remote, how.checked_out, how.message
    for item in items:
        _check_tree_path(g, remote_tip, item.path, f"{remote}/{branch}")
    new_tree = _build_tree(g, remote_tip, items, [path for path in drops if g.entry(remote_tip, path) is not None])
    status = outcome.status
    if new_tree == g.out("rev-parse", f"{remote_tip}^{{tree}}"):
        rebased = remote_tip
    elif outcome.status == "committed" or not how.created:
        author, tip_message = _commit_details(g, tip)  # re-make the tip commit (same author and date)
        rebased = _commit_tree(g, new_tree, remote_tip, tip_message, author)
    else:  # a new branch whose start point already had our bytes: a fresh commit of this run
        rebased = _commit_tree(g, new_tree, remote_tip, message)
        status = "committed"
    if checked_out:
        code, _out, err = g.run("read-tree", "-m", "-u", tip, rebased, check=False)
        if code != 0:
            raise DeliveryError(
                f"the remote moved on and changed files you have modified locally ({_last_lines(err)}); {kept}",
                where=g.where,
                fix=conflict_fix,
            )
    try:
        _update_ref(g, ref, rebased, tip, message)
    except DeliveryError:
        if checked_out:
            g.run("read-tree", "-m", "-u", rebased, tip, check=False)
        raise
    if rebased == remote_tip:
        return replace(outcome, status="up to date", sha=rebased, pushed=False, rebased=True)
    result, detail = _push(g, remote, ref)
    if result != "ok":
        raise DeliveryError(
            f"push of {branch} failed again after rebasing onto the remote: {detail}; "
            f"the local commit {rebased[:12]} on {branch} is kept",
            where=g.where,
            fix="run again",
        )
    return replace(outcome, status=status, sha=rebased, pushed=True, rebased=True)


def _commit_details(g: _Git, commit: str) -> tuple[dict[str, str], str]:
    """Author (as commit-tree environment) and message of ``commit`` (to re-make it on the remote tip)."""
    fields = g.out("log", "-1", "--format=%an%x00%ae%x00%ad%x00%B", "--date=raw", commit).split("\0", 3)
    author = {"GIT_AUTHOR_NAME": fields[0], "GIT_AUTHOR_EMAIL": fields[1], "GIT_AUTHOR_DATE": fields[2]}
    return author, fields[3]

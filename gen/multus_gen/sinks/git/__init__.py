"""Commit manifests into a GitOps repository, touching nothing else of the user's.

This package is the only one that imports GitPython; the CLI imports it only for ``commit``. Its modules:
``run`` (git process plumbing), ``identity`` (identity and signing), ``paths`` (where a commit may go),
``commit`` (the transaction, and the spec's record for ``--prune``), ``worktree`` (the checked-out working
tree and index), ``push`` (the remote), ``memo`` (what the cache of an unchanged ``commit -c`` asks).

How a commit is made (plumbing only, never ``git add``/``git commit``/``git stash``):

1. every manifest's blob id is computed in-process (``sha1(b"blob <size>\\0" + bytes)``, git's own naming; a
   SHA-256 repository or a path with git filters asks ``git hash-object``) and compared with the branch
   tip's entries (one ``git ls-tree -r``): when every entry is already there and nothing is to be deleted,
   the result is ``"up to date"`` and nothing is written;
2. the blobs the object database lacks go into one ``git fast-import`` pack; a temporary index
   (``GIT_INDEX_FILE`` in a temp folder) is read from the tip's tree, our entries are set in it
   (``update-index --index-info``), the paths ``--prune`` deletes are taken out (``update-index
   --force-remove``), and ``git write-tree`` gives the new tree;
3. ``git commit-tree`` makes the commit and ``git update-ref refs/heads/B NEW OLD`` moves the branch
   with compare-and-swap (a concurrent change of the branch makes us fail, not overwrite);
4. only when B is the checked-out branch: each of our files is replaced atomically in the working
   tree and its entry in the real index is set to our blob; deleted files go from both. Every other
   path -- staged, unstaged or untracked -- stays byte-for-byte and state-for-state as it was.

Identity is git's own: ``git commit-tree`` reads GIT_AUTHOR_NAME/EMAIL/DATE,
GIT_COMMITTER_NAME/EMAIL/DATE, EMAIL and the config (``user.*``, ``author.*``, ``committer.*``) exactly as
``git commit`` does; ``author`` (if given) overrides the author name and email. When git has no identity
(``git var GIT_AUTHOR_IDENT`` fails) the commit is refused (``NO_IDENTITY``) unless the user opted in to
one for multus-gen with ``MULTUS_GEN_GIT_IDENTITY="Name <email>"`` (``default`` means
``FALLBACK_IDENTITY``), which then fills in only what git lacks.

Signing: with ``commit.gpgsign`` true, commits are signed by ``git commit-tree -S`` (git's gpg.format,
gpg.program and user.signingkey apply); a failing signer refuses the commit, never an unsigned one.

Hooks: commit hooks (pre-commit, prepare-commit-msg, commit-msg, post-commit) never run -- no path
uses ``git commit``. ``--push`` runs ``git push``, so pre-push runs (and can stop the push: the
local commit is kept); the reference-transaction hook runs for every ref update, as for any git
command; the remote runs its own receive hooks.

Line endings: a path with eol/text/filter attributes (or ``core.autocrlf`` set) is hashed through
git's filters (``git hash-object --path``) for both our blob and the working-tree file, and written
to the working tree as git would check it out; other paths are hashed in-process (no filters apply).

A process killed while replacing a working-tree file may leave one untracked dot file
``.<name>.<hex>.multus-gen.tmp`` next to it (the same pattern as ``sinks.folder``); the commit
itself is all-or-nothing (``update-ref`` is atomic). Network commands never prompt
(``GIT_TERMINAL_PROMPT=0``; ssh in batch mode unless the user configured ssh), and every message
has credentials removed from URLs (``redact_credentials``), including the configured URL of the
remote however odd its password.
"""

from __future__ import annotations

from multus_gen.sinks import CommitOutcome
from multus_gen.sinks.git.commit import SpecRecord, commit_manifests
from multus_gen.sinks.git.identity import FALLBACK_IDENTITY, IDENTITY_ENV, NO_IDENTITY
from multus_gen.sinks.git.memo import committed_bytes, tree_to_remember, up_to_date
from multus_gen.sinks.git.run import blob_sha, redact_credentials

__all__ = [
    "FALLBACK_IDENTITY",
    "IDENTITY_ENV",
    "NO_IDENTITY",
    "CommitOutcome",
    "SpecRecord",
    "blob_sha",
    "commit_manifests",
    "committed_bytes",
    "redact_credentials",
    "tree_to_remember",
    "up_to_date",
]

"""``multus-gen commit`` respects the user's git set-up: identity, signing, hooks, line endings, staged
edits, remotes and credentials. Real repositories (a bare one as the remote), git config isolated as in
git_sink_test.py -- but here git has no identity unless a test gives it one, and no opt-in identity.
"""

from __future__ import annotations

import os
import stat
import urllib.parse
from pathlib import Path

import pytest
from git_sink_test import OURS, clone, head, make_remote, set_identity, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import isolate_git
from helpers import CHECKOUT, capture, examples, git, invoke
from multus_gen.errors import DeliveryError
from multus_gen.sinks import git as git_sink
from multus_gen.sinks.git import IDENTITY_ENV, NO_IDENTITY, commit_manifests, redact_credentials
from multus_gen.sinks.git import commit as git_commit
from multus_gen.yamlio.serialize import Manifest


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require_real) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(IDENTITY_ENV, raising=False)
    return isolate_git(tmp_path, monkeypatch, "[init]\n\tdefaultBranch = main\n")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path)


def commit(repo: Path, text: str = "x\n", **kwargs: object) -> git_sink.CommitOutcome:
    return commit_manifests(repo, [Manifest(OURS, text)], message="m", **kwargs)  # type: ignore[arg-type]


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


# -- 1. identity ----------------------------------------------------------------------------------------


def test_without_a_git_identity_nothing_is_committed(remote: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = clone(remote, "work")
    old = head(repo)
    with pytest.raises(DeliveryError) as info:
        commit(repo)
    assert info.value.message == NO_IDENTITY and IDENTITY_ENV in info.value.one_line()
    code, _out, err = capture(["commit", "--repo", str(repo), "--path", OURS])
    assert code == 1 and len(err.strip().splitlines()) == 1 and NO_IDENTITY in err
    assert head(repo) == old and not (repo / OURS).exists() and git(repo, "status", "--porcelain") == ""


def test_git_environment_beats_config_as_in_git(
    remote: Path, isolated_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Env Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@env.example")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2001-02-03T04:05:06+0100")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Env Committer")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "committer@env.example")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "@1234567890 +0000")
    monkeypatch.setenv(IDENTITY_ENV, "Opt In <opt@in.example>")  # git has one: the opt-in is not used
    commit(repo)
    assert git(repo, "log", "-1", "--format=%an <%ae> %ad|%cn <%ce> %cd", "--date=raw") == (
        "Env Author <author@env.example> 981169506 +0100|Env Committer <committer@env.example> 1234567890 +0000"
    )


def test_config_and_EMAIL_as_in_git(remote: Path, isolated_git: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with isolated_git.open("a") as handle:
        handle.write("[user]\n\tname = Conf Name\n[committer]\n\tname = Conf Committer\n")
    repo = clone(remote, "work")
    monkeypatch.setenv("EMAIL", "from-email@example.org")  # used by git when user.email is unset
    commit(repo)
    expected = "Conf Name <from-email@example.org>|Conf Committer <from-email@example.org>"
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == expected
    git(repo, "config", "user.email", "conf@example.org")  # config beats EMAIL
    commit(repo, "y\n")
    assert git(repo, "log", "-1", "--format=%ae|%ce") == "conf@example.org|conf@example.org"


def test_opt_in_identity_only_where_git_has_none(remote: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = clone(remote, "work")
    monkeypatch.setenv(IDENTITY_ENV, "Fleet Bot <bot@fleet.example>")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Real Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "real@example.org")
    commit(repo)
    assert git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>") == (
        "Real Author <real@example.org>|Fleet Bot <bot@fleet.example>"
    )
    monkeypatch.setenv(IDENTITY_ENV, "default")
    commit(repo, "y\n")
    assert git(repo, "log", "-1", "--format=%cn <%ce>") == "multus-gen <multus-gen@localhost>"
    old = head(repo)
    monkeypatch.setenv(IDENTITY_ENV, "no email here")
    with pytest.raises(DeliveryError, match=IDENTITY_ENV):
        commit(repo, "z\n")
    assert head(repo) == old


# -- 2. signing -----------------------------------------------------------------------------------------

SIGNATURE = "-----BEGIN PGP SIGNATURE-----\n\nZmFrZQ==\n-----END PGP SIGNATURE-----\n"


@pytest.mark.parametrize("where", ["repo", "global"])
def test_gpgsign_signs_through_git_or_refuses(remote: Path, isolated_git: Path, tmp_path: Path, where: str) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    failing = script(tmp_path / "gpg-fails", "cat >/dev/null\necho 'gpg: no secret key' >&2\nexit 2\n")
    signing = script(
        tmp_path / "gpg-signs",
        f"cat >/dev/null\nprintf '\\n[GNUPG:] SIG_CREATED D 1 8 00 1 X\\n' >&2\ncat <<'EOF'\n{SIGNATURE}EOF\n",
    )
    scope = ["--global"] if where == "global" else []
    git(repo, "config", *scope, "commit.gpgsign", "true")
    git(repo, "config", *scope, "gpg.program", str(failing))
    old, before = head(repo), snapshot(repo)
    with pytest.raises(DeliveryError) as info:
        commit(repo)
    assert "commit.gpgsign" in info.value.one_line() and "set commit.gpgsign false" in info.value.one_line()
    assert "gpg failed to sign" in info.value.message and "nothing was committed" in info.value.message
    assert head(repo) == old and snapshot(repo) == before and not (repo / OURS).exists()

    git(repo, "config", *scope, "gpg.program", str(signing))
    out = commit(repo)
    raw = git(repo, "cat-file", "commit", out.sha or "")
    assert "gpgsig -----BEGIN PGP SIGNATURE-----" in raw
    git(repo, "config", *scope, "commit.gpgsign", "false")
    assert "gpgsig" not in git(repo, "cat-file", "commit", commit(repo, "y\n").sha or "")


# -- 3. hooks -------------------------------------------------------------------------------------------

HOOKS = ["pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "pre-push"]


def install_hooks(repo: Path, markers: Path, *, pre_push_exit: int = 0) -> None:
    hooks = repo / ".git" / "hooks"
    markers.mkdir(exist_ok=True)
    for name in [*HOOKS, "reference-transaction"]:
        last = f"exit {pre_push_exit}\n" if name == "pre-push" else "exit 0\n"
        script(hooks / name, f"cat >/dev/null 2>&1 </dev/null\ntouch '{markers}/{name}'\n{last}")


def ran(markers: Path) -> set[str]:
    return {p.name for p in markers.iterdir()}


@pytest.mark.slow  # pushes to a bare remote
def test_which_hooks_run(remote: Path, isolated_git: Path, tmp_path: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    markers = tmp_path / "ran"
    install_hooks(repo, markers)
    commit(repo)  # plumbing: no commit hooks, reference-transaction as for every ref update
    assert ran(markers) == {"reference-transaction"}
    commit(repo, "y\n", push=True)  # git push: pre-push runs
    assert ran(markers) == {"reference-transaction", "pre-push"}
    commit(repo, "z\n", branch="other")  # another branch: the same
    assert ran(markers) & set(HOOKS) == {"pre-push"}
    theirs = clone(remote, "theirs")  # the remote moves on: the commit is re-made on top (read-tree -m -u)
    (theirs / "other.txt").write_text("t\n")
    git(theirs, "add", "other.txt")
    git(theirs, "commit", "-q", "-m", "theirs")
    git(theirs, "push", "-q")
    (markers / "pre-push").unlink()
    out = commit(repo, "w\n", push=True)
    assert out.rebased and out.pushed
    assert ran(markers) & set(HOOKS) == {"pre-push"}  # no post-checkout, no commit hooks


def test_readme_and_help_say_what_runs() -> None:
    readme = (CHECKOUT / "README.md").read_text().split("### Delivering: `install` and `commit`")[1]
    readme = "".join(readme.split("\n## ")[0].split())  # no whitespace: --help wraps lines at hyphens
    shown = "".join(invoke("commit", "--help").stdout.split())
    for text in (readme, shown):
        assert "Nohooksrun" not in text
        for needle in (IDENTITY_ENV, "pre-push", "pre-commit", "commit.gpgsign", "GIT_AUTHOR_", "EMAIL"):
            assert needle in text, needle


@pytest.mark.slow  # pushes to a bare remote
def test_a_failing_pre_push_hook_stops_the_push(remote: Path, isolated_git: Path, tmp_path: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    install_hooks(repo, tmp_path / "ran", pre_push_exit=1)
    remote_tip = git(remote, "rev-parse", "main")
    with pytest.raises(DeliveryError, match="push") as info:
        commit(repo, push=True)
    assert "kept" in info.value.one_line() and "pre-push" in info.value.one_line()
    assert git(remote, "rev-parse", "main") == remote_tip and git(repo, "show", f"HEAD:{OURS}") == "x"


def test_core_hookspath_is_honoured(remote: Path, isolated_git: Path, tmp_path: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    hooks, markers = tmp_path / "hooks", tmp_path / "ran"
    hooks.mkdir()
    markers.mkdir()
    for name in [*HOOKS, "reference-transaction"]:
        script(hooks / name, f"cat >/dev/null\ntouch '{markers}/{name}'\n")
    git(repo, "config", "core.hooksPath", str(hooks))
    commit(repo)
    assert ran(markers) == {"reference-transaction"}


# -- 4. line endings ------------------------------------------------------------------------------------


def crlf_clone(remote: Path, seed_text: str, how: str) -> Path:
    """A clone whose checkout has CRLF line endings for OURS (committed as ``seed_text``, LF)."""
    seed = clone(remote, "seed-eol")
    (seed / OURS).write_text(seed_text)
    if how == "attributes":
        (seed / ".gitattributes").write_text("* text eol=crlf\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "ours and attributes")
    git(seed, "push", "-q", "origin", "main")
    repo = remote.parent / "work"
    extra = ["-c", "core.autocrlf=true"] if how == "autocrlf" else []
    git(remote.parent, "clone", "-q", *extra, str(remote), str(repo))
    assert b"\r\n" in (repo / OURS).read_bytes()
    return repo


@pytest.mark.parametrize("how", ["autocrlf", "attributes"])
def test_crlf_checkouts_are_not_local_edits(remote: Path, isolated_git: Path, how: str) -> None:
    set_identity(isolated_git)
    repo = crlf_clone(remote, "a: 1\nb: 2\n", how)
    (repo / "README.md").write_text("edited\r\n")
    before = snapshot(repo)

    assert commit(repo, "a: 1\nb: 2\n").status == "up to date"  # same content: no false refusal
    out = commit(repo, "a: 1\nb: 3\n")
    assert out.status == "committed"
    blob = git(repo, "rev-parse", f"HEAD:{OURS}")
    assert git(repo, "cat-file", "blob", blob) + "\n" == "a: 1\nb: 3\n"  # stored normalized (LF)
    assert b"\r" not in git_bytes(repo, "cat-file", "blob", blob)
    assert (repo / OURS).read_bytes() == b"a: 1\r\nb: 3\r\n"  # as git checks it out
    assert git(repo, "status", "--porcelain", "--", OURS) == ""
    assert snapshot(repo) == before
    again = commit(repo, "a: 1\nb: 3\n")
    assert again.status == "up to date" and again.sha == out.sha

    (repo / OURS).write_bytes(b"a: 1\r\nb: hand edit\r\n")  # a real edit is still one
    with pytest.raises(DeliveryError, match="uncommitted changes"):
        commit(repo, "a: 1\nb: 4\n")


def git_bytes(repo: Path, *args: str) -> bytes:
    import subprocess

    return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True).stdout


# -- 5. staged changes to our file ----------------------------------------------------------------------


def test_a_staged_revert_of_our_file_is_never_discarded(remote: Path, isolated_git: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    commit(repo, "v1\n")
    commit(repo, "v2\n")
    git(repo, "checkout", "HEAD^", "--", OURS)  # the user stages the previous version on purpose
    staged = git(repo, "status", "--porcelain", "--", OURS)
    assert staged == f"M  {OURS}"

    assert commit(repo, "v2\n").status == "up to date"  # nothing to commit: the staged revert stays
    assert git(repo, "status", "--porcelain", "--", OURS) == staged and (repo / OURS).read_text() == "v1\n"
    old = head(repo)
    with pytest.raises(DeliveryError, match="uncommitted changes"):
        commit(repo, "v3\n")
    assert head(repo) == old and git(repo, "status", "--porcelain", "--", OURS) == staged
    assert commit(repo, "v3\n", force=True).status == "committed"
    assert git(repo, "status", "--porcelain", "--", OURS) == ""


def test_an_interrupted_run_is_still_finished(
    remote: Path, isolated_git: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    commit(repo, "v1\n")

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # as if killed between update-ref and the working-tree/index update

    with monkeypatch.context() as patch:
        patch.setattr(git_commit, "_sync_worktree", killed)  # the transaction calls it
        with pytest.raises(KeyboardInterrupt):
            commit(repo, "v2\n")
    assert git(repo, "show", f"HEAD:{OURS}") == "v2" and (repo / OURS).read_text() == "v1\n"
    assert commit(repo, "v2\n").status == "up to date"
    assert (repo / OURS).read_text() == "v2\n" and git(repo, "status", "--porcelain", "--", OURS) == ""
    assert not (repo / ".git" / "multus-gen-pending.json").exists()


# -- 6. the remote is checked before committing ---------------------------------------------------------


@pytest.mark.parametrize("branch", [None, "gitops"])
def test_missing_or_unreachable_remote_commits_nothing(
    remote: Path, isolated_git: Path, tmp_path: Path, branch: str | None
) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    old, refs = head(repo), git(repo, "for-each-ref")
    with pytest.raises(DeliveryError, match="no remote named nowhere; nothing was committed"):
        commit(repo, push=True, remote="nowhere", branch=branch)
    git(repo, "remote", "add", "gone", str(tmp_path / "gone.git"))
    with pytest.raises(DeliveryError, match="not a reachable git repository"):
        commit(repo, push=True, remote="gone", branch=branch)
    with pytest.raises(DeliveryError, match="not a reachable git repository"):
        commit(repo, push=True, remote=str(tmp_path / "also-gone.git"), branch=branch)
    assert head(repo) == old and git(repo, "for-each-ref") == refs and not (repo / OURS).exists()
    code, _out, err = capture(["commit", "--repo", str(repo), "--path", OURS, "--push", "--remote", "gone"])
    assert code == 1 and len(err.strip().splitlines()) == 1 and head(repo) == old


@pytest.mark.slow  # pushes to a bare remote
def test_a_local_path_as_remote_works(remote: Path, isolated_git: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    out = commit(repo, push=True, remote=str(remote))
    assert out.pushed and git(remote, "rev-parse", "main") == out.sha


# -- 7. credentials never appear -------------------------------------------------------------------------

#: Text of the messages below: a "secret" that is part of it cannot be told apart from it.
BOILERPLATE = (
    "fatal: unable to access 403 push of main to failed git.example.org:22/r.git github.com/o/r.git 127.0.0.1:9"
)
SECRET_CHARS = st.characters(min_codepoint=33, max_codepoint=126) | st.sampled_from(list("@/: %#?"))


@settings(max_examples=examples(300), deadline=None)
@given(
    user=st.text(st.characters(min_codepoint=97, max_codepoint=122), min_size=1, max_size=8),
    secret=st.text(SECRET_CHARS, min_size=6, max_size=24).filter(
        lambda s: s.strip() == s and "***" not in s and s not in BOILERPLATE
    ),
    encoded=st.booleans(),
    form=st.sampled_from(
        [
            "https://{u}:{p}@git.example.org/r.git",
            "ssh://{u}:{p}@git.example.org:22/r.git",
            "https://{p}@github.com/o/r.git",
            "http://{u}:{p}@127.0.0.1:9/multus.git",
        ]
    ),
    shape=st.sampled_from(["fatal: unable to access '{url}/': 403", "push of main to {url} failed", "{url}"]),
)
def test_redaction_never_shows_a_secret(user: str, secret: str, encoded: bool, form: str, shape: str) -> None:
    shown = urllib.parse.quote(secret, safe="") if encoded else secret
    url = form.format(u=user, p=shown)
    message = shape.format(url=url)
    git_display = url.split("://")[0] + "://" + url.split("://", 1)[1].split("@", 1)[1]  # cut at the first @
    for text in (message, message.replace(url, git_display)):
        for known in ([url], ["origin", url]):
            out = redact_credentials(text, known)
            assert secret not in out and shown not in out, out
    if encoded or not any(c in secret for c in " '\"<>"):  # the URL's shape alone is enough
        out = redact_credentials(message)
        assert shown not in out, out
    assert "git.example.org" in out or "github.com" in out or "127.0.0.1" in out


@pytest.mark.slow  # a push to an unreachable http remote
def test_a_password_with_spaces_and_at_signs_never_shows(remote: Path, isolated_git: Path) -> None:
    set_identity(isolated_git)
    repo = clone(remote, "work")
    git(repo, "remote", "add", "secret", "http://deploy:p@ss w/rd:x@127.0.0.1:9/multus.git")
    with pytest.raises(DeliveryError) as info:
        commit(repo, push=True, remote="secret")
    line = info.value.one_line()
    for part in ("p@ss", "w/rd", "ss w", "p%40ss"):
        assert part not in line, line
    assert "kept" in line and os.sep in line

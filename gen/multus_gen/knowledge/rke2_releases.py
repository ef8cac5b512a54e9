"""Which rke2-multus each RKE2 release ships, and whether it bundles the ``rke2-multus-crd`` chart.

RKE2 deploys its own HelmChart ``rke2-multus`` (and, from v1.37.0, ``rke2-multus-crd``); a HelmChartConfig only
customizes it, so the chart version and the CRD split follow the RKE2 release (``--rke2-version``).

Sources per row: the RKE2 release notes (rancher/rke2-docs ``docs/release-notes/v1.XX.X.md``: "Changes since"
PRs, "Charts Versions", the Multus column) and the rancher/rke2 PRs that bump the chart per release branch. A
release uses the last row at or below it; where no source names a release, the older neighbour holds. Every
rke2-multus from v4.2.303 to v4.3.008 makes the same HelmChartConfig on RKE2 (RKE2's default dirs, CRDs in the
chart, cleanupConfigOnExit on by default), so a bump between them that the table misses changes nothing here.
"""

from __future__ import annotations

import re
from functools import total_ordering

from multus_gen.record import record

_VERSION_RE = re.compile(r"^v?(?P<major>\d+)\.(?P<minor>\d+)\.(?P<patch>\d+)(?:[+-]rke2r(?P<rev>[1-9]\d*))?$")
_VERSION_LINE_RE = re.compile(r"^rke2 version (?P<version>\S+) \([0-9a-f]{7,40}\)$")


@total_ordering
@record
class Rke2Version:
    """An RKE2 release such as ``v1.34.2+rke2r1``."""

    major: int
    minor: int
    patch: int
    rev: int = 1

    @classmethod
    def parse(cls, text: str) -> Rke2Version:
        """The release spelling (``v1.34.2+rke2r1``), the image-tag spelling (``v1.34.2-rke2r1``, tags cannot hold
        ``+``), a bare ``v1.34.2``, or the first line ``rke2 --version`` prints."""
        text = text.strip()
        first = text.splitlines()[0].strip() if text else ""
        line = _VERSION_LINE_RE.match(first)
        if line:
            text = line.group("version")
        m = _VERSION_RE.match(text)
        if not m:
            raise ValueError(text)
        rev = m.group("rev")
        return cls(int(m.group("major")), int(m.group("minor")), int(m.group("patch")), int(rev) if rev else 1)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Rke2Version):
            return NotImplemented
        return (self.major, self.minor, self.patch, self.rev) < (other.major, other.minor, other.patch, other.rev)

    def __str__(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}+rke2r{self.rev}"


@record
class Rke2Line:
    """From RKE2 ``since`` on (within its minor, until the next row) RKE2 ships rke2-multus ``chart``;
    ``crd_chart``: it also ships the HelmChart ``rke2-multus-crd``."""

    since: str
    chart: str
    crd_chart: bool
    source: str
    #: True when no source names the chart of this release: a neighbour of the same behaviour is assumed.
    assumed: bool = False


def _notes(line: str, what: str) -> str:
    return f"rancher/rke2-docs docs/release-notes/{line}.X.md: {what}"


#: Releases before the Nov 2025 bumps: the release notes name the Multus (app) version of each release in their
#: table (the Multus column) and the PR that bumped the chart, not the chart version itself. The chart is the newest
#: rke2-multus of that app version published before the release (rke2-charts index.yaml ``created``; the list in
#: ../shared/fixtures/charts/index-rke2-multus.tsv): the app version is sourced, the chart patch is assumed.
_MULTUS_COLUMN = "rancher/rke2-docs docs/release-notes/{line}.X.md, Multus column of {releases}: multus {app}"
_NEWEST_OF_APP = (
    "; chart {chart} assumed: the newest rke2-multus of app {app} published before {date} (rke2-charts index)"
)


def _pre_nov_2025(since: str, chart: str, app: str, releases: str, date: str, also: str = "") -> Rke2Line:
    line = since.rsplit(".", 1)[0]
    source = _MULTUS_COLUMN.format(line=line, releases=releases, app=app)
    source += _NEWEST_OF_APP.format(chart=chart, app=app, date=date) + also
    return Rke2Line(since, chart, False, source, assumed=True)


RKE2_LINES: tuple[Rke2Line, ...] = (
    _pre_nov_2025("v1.32.0+rke2r1", "v4.1.301", "v4.1.3", "v1.32.0+rke2r1", "Jan 03 2025"),
    _pre_nov_2025("v1.32.1+rke2r1", "v4.1.402", "v4.1.4", "v1.32.1+rke2r1", "Jan 27 2025"),
    _pre_nov_2025("v1.32.2+rke2r1", "v4.1.403", "v4.1.4", "v1.32.2+rke2r1", "Feb 27 2025"),
    _pre_nov_2025(
        "v1.32.3+rke2r1",
        "v4.1.404",
        "v4.1.4",
        "v1.32.3+rke2r1",
        "Mar 26 2025",
        "; rancher/rke2 issue 7861 ([Release 1.32] Update Multus chart with latest version, Mar 7 2025, the day "
        "v4.1.404 was published) was validated on v1.32.3-rc1",
    ),
    _pre_nov_2025("v1.32.4+rke2r1", "v4.2.001", "v4.2.0", "v1.32.4+rke2r1", "May 01 2025"),
    _pre_nov_2025("v1.32.5+rke2r1", "v4.2.002", "v4.2.0", "v1.32.5+rke2r1", "May 21 2025"),
    _pre_nov_2025(
        "v1.32.6+rke2r1",
        "v4.2.102",
        "v4.2.1",
        "v1.32.6+rke2r1",
        "Jun 27 2025",
        "; its notes list rancher/rke2 PR 8389 (Bump multus and whereabouts, Jun 13 2025; v4.2.102: Jun 12)",
    ),
    _pre_nov_2025(
        "v1.32.7+rke2r1",
        "v4.2.106",
        "v4.2.1",
        "v1.32.7+rke2r1",
        "Jul 25 2025",
        "; its notes list rancher/rke2 PR 8538 (Bump multus and whereabouts chart, Jul 11 2025, the day v4.2.106 "
        "was published)",
    ),
    _pre_nov_2025("v1.32.8+rke2r1", "v4.2.202", "v4.2.2", "v1.32.8+rke2r1", "Aug 23 2025"),
    _pre_nov_2025(
        "v1.32.9+rke2r1",
        "v4.2.205",
        "v4.2.2",
        "v1.32.9+rke2r1",
        "Sep 18 2025",
        "; its notes list rancher/rke2 PR 8884 (Bump CNI chart latest version)",
    ),
    Rke2Line(
        "v1.32.10+rke2r1",
        "v4.2.300",
        False,
        "rancher/rke2 PR 9254 ([Release-1.32] multus chart v4.2.300, Nov 2025); v1.32.10 is the line's Nov 20 2025 "
        "patch, the release v1.34.2+rke2r1 shipped the same bump in (PR 9252)",
    ),
    Rke2Line("v1.32.11+rke2r1", "v4.2.305", False, "rancher/rke2 PR 9359 ([Release 1.32] v4.2.305, Dec 2025)"),
    _pre_nov_2025("v1.33.0+rke2r1", "v4.2.001", "v4.2.0", "v1.33.0+rke2r1", "May 07 2025"),
    _pre_nov_2025("v1.33.1+rke2r1", "v4.2.002", "v4.2.0", "v1.33.1+rke2r1", "May 21 2025"),
    _pre_nov_2025(
        "v1.33.2+rke2r1", "v4.2.102", "v4.2.1", "v1.33.2+rke2r1", "Jun 27 2025", "; rancher/rke2 PR 8387 (Jun 13 2025)"
    ),
    _pre_nov_2025("v1.33.3+rke2r1", "v4.2.106", "v4.2.1", "v1.33.3+rke2r1", "Jul 25 2025"),
    _pre_nov_2025("v1.33.4+rke2r1", "v4.2.202", "v4.2.2", "v1.33.4+rke2r1", "Aug 23 2025"),
    _pre_nov_2025("v1.33.5+rke2r1", "v4.2.205", "v4.2.2", "v1.33.5+rke2r1", "Sep 18 2025"),
    Rke2Line(
        "v1.33.6+rke2r1",
        "v4.2.300",
        False,
        "rancher/rke2 PR 9253 ([Release-1.33] multus chart v4.2.300, Nov 2025): the line's Nov 20 2025 patch",
    ),
    Rke2Line("v1.33.7+rke2r1", "v4.2.305", False, "rancher/rke2 PR 9358 ([Release 1.33] v4.2.305, Dec 2025)"),
    _pre_nov_2025(
        "v1.34.0+rke2r1",
        "v4.2.205",
        "v4.2.2",
        "v1.34.1+rke2r1 (the first 1.34)",
        "Sep 18 2025",
        "; its notes list PR 8887 (Bump CNI chart latest version) and the same Charts Versions as v1.32.9+rke2r1 and "
        "v1.33.5+rke2r1 (rke2-canal v3.30.3-build2025090900, rke2-coredns 1.43.302)",
    ),
    Rke2Line("v1.34.2+rke2r1", "v4.2.300", False, _notes("v1.34", "v1.34.2+rke2r1, PR 9252 (multus chart v4.2.300)")),
    Rke2Line(
        "v1.34.3+rke2r1",
        "v4.2.305",
        False,
        "rancher/rke2 PR 9357 ([Release 1.34] v4.2.305, Dec 9 2025); v1.34.3+rke2r1 (Dec 18 2025) is the next patch",
    ),
    Rke2Line("v1.35.0+rke2r1", "v4.2.305", False, _notes("v1.35", "v1.35.0+rke2r1, PR 9348 (v4.2.305)")),
    Rke2Line(
        "v1.36.0+rke2r1",
        "v4.2.410",
        False,
        _notes(
            "v1.36",
            "v1.36.0+rke2r1, PRs 10173 (v4.2.408) and 10272 (v4.2.410); the 1.33-1.36 backports of "
            "v4.3.004 (PRs 10781-10784, Jul 2026) keep the CRDs in the chart",
        ),
    ),
    Rke2Line(
        "v1.37.0+rke2r1",
        "v4.3.101",
        True,
        _notes(
            "v1.37",
            "v1.37.0+rke2r1, Charts Versions rke2-multus v4.3.101; PR 10998 bundles rke2-multus-crd, "
            "PR 11168 disables it with multus, PR 11177 installs the whereabouts CRDs in it unconditionally",
        ),
    ),
    Rke2Line("v1.37.1+rke2r1", "v4.3.102", True, _notes("v1.37", "v1.37.1+rke2r1, PR 11288 (v4.3.102)")),
)

OLDEST = Rke2Version.parse(RKE2_LINES[0].since)


def for_rke2(version: Rke2Version) -> Rke2Line | None:
    """The row of :data:`RKE2_LINES` for RKE2 ``version`` (None: older than the table)."""
    found = None
    for row in RKE2_LINES:
        if Rke2Version.parse(row.since) <= version:
            found = row
    return found

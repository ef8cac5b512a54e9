"""Where the chart comes from (a mirror, an OCI registry, a local archive, a K3s static chart) and where its
images come from (a private registry): the chart source options, checked once, frozen.

Air-gapped clusters cannot reach https://rke2-charts.rancher.io nor the public registries; K3s's
helm-controller takes a mirror (``repo``, ``repoCA``, ``authSecret``, ``plainHTTP``, ``insecureSkipTLSVerify``),
an OCI chart (``oci://`` in ``chart``, ``dockerRegistrySecret``) or the archive itself (``chartContent``), and
K3s serves archives put in ``<data-dir>/server/static/charts`` (FACTS.md 2, 5).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from multus_gen.errors import InputError
from multus_gen.knowledge import charts
from multus_gen.record import record, replace

#: helm-controller hands ``spec.chartContent`` to its install job in a ConfigMap (key ``<name>.tgz.base64``), and
#: the API server refuses a ConfigMap whose data is over 1 MiB (kubernetes pkg/apis/core/validation
#: ValidateConfigMap: total size <= core.MaxSecretSize, 1 MiB). The HelmChart object that carries the same
#: base64 text must also fit etcd's request limit (--max-request-bytes, default 1.5 MiB: etcd
#: embed.DefaultMaxRequestBytes), which the ConfigMap limit already keeps it under.
MAX_CONFIGMAP_BYTES = 1024 * 1024
CHART_CONTENT_SOURCE = (
    "kubernetes ValidateConfigMap (data <= 1 MiB), helm-controller's chart-content ConfigMap; etcd "
    "--max-request-bytes default 1.5 MiB"
)
#: Archives are read whole: anything larger cannot be a chart multus-gen embeds or copies.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
#: K3s serves ``<data-dir>/server/static/charts/<file>`` at this URL to helm-controller (FACTS.md 2).
STATIC_CHART_URL = "https://%{KUBERNETES_API}%/static/charts/"

#: ``HOST[:PORT]`` with an optional path (a mirror's project, e.g. Harbor's ``mirror.example:5000/rancher``): what
#: the charts put, with a ``/``, before every image's repository.
_REGISTRY = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?"
    r"(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
_URL = re.compile(r"^(https|http|oci)://([^/\s?#]+)(/[^\s?#]*)?$")
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----", re.MULTILINE)
_SECRET_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


@record
class ChartArchive:
    """A local chart archive, checked to be a gzip tar of ``chart`` at ``version``."""

    path: str
    chart: str
    version: str
    data: bytes

    @property
    def file_name(self) -> str:
        """The name the archive is served under (static charts): ``<chart>-<version>.tgz``, which is also how
        ``validate`` reads the chart and version back from a chart URL."""
        return f"{self.chart}-{self.version}.tgz"

    def base64(self) -> str:
        return base64.b64encode(self.data).decode("ascii")


@record
class ChartSource:
    """The chart source options (None / False: not given, the public repository)."""

    repo: str | None = None
    repo_ca: str | None = None  # PEM text
    repo_ca_file: str | None = None
    auth_secret: str | None = None
    plain_http: bool = False
    insecure_skip_tls_verify: bool = False
    archive: ChartArchive | None = None
    crd_archive: ChartArchive | None = None
    static_chart: bool = False
    system_default_registry: str | None = None
    image_pull_secret: str | None = None

    @property
    def oci(self) -> bool:
        return self.repo is not None and self.repo.startswith("oci://")

    @property
    def repo_url(self) -> str:
        return self.repo if self.repo is not None else charts.CHART_REPO

    @property
    def repo_settings(self) -> bool:
        """True when the repository needs settings beyond its URL (CA, credentials, TLS, plain HTTP)."""
        return bool(self.repo_ca or self.auth_secret or self.plain_http or self.insecure_skip_tls_verify)

    def archive_for(self, chart: str) -> ChartArchive | None:
        return self.crd_archive if chart == charts.CRD_CHART_NAME else self.archive

    def inputs(self) -> list[tuple[str, str]]:
        """The header's inputs (file names as given, no contents)."""
        items: list[tuple[str, str]] = []
        if self.repo is not None:
            items.append(("repo", self.repo))
        if self.repo_ca_file is not None:
            items.append(("repo-ca", self.repo_ca_file))
        if self.auth_secret is not None:
            items.append(("auth-secret", self.auth_secret))
        if self.plain_http:
            items.append(("plain-http", "true"))
        if self.insecure_skip_tls_verify:
            items.append(("insecure-skip-tls-verify", "true"))
        if self.archive is not None:
            items.append(("chart-archive", Path(self.archive.path).name))
        if self.crd_archive is not None:
            items.append(("crd-chart-archive", Path(self.crd_archive.path).name))
        if self.static_chart:
            items.append(("static-chart", "true"))
        if self.system_default_registry is not None:
            items.append(("system-default-registry", self.system_default_registry))
        if self.image_pull_secret is not None:
            items.append(("image-pull-secret", self.image_pull_secret))
        return items


def _bad_port(host: str) -> str | None:
    """The port of ``[user@]HOST[:PORT]`` when it is not a TCP port (1-65535): no client can reach it."""
    host = host.rsplit("@", 1)[-1]
    port = host.split("]:", 1)[1] if host.startswith("[") and "]:" in host else None
    if not host.startswith("[") and ":" in host:
        port = host.rsplit(":", 1)[1]
    if port is None or (port.isdigit() and 1 <= int(port) <= 65535):
        return None
    return port


def _refuse_port(value: str, host: str, where: str, rule: str) -> None:
    port = _bad_port(host)
    if port is not None:
        raise InputError(
            f"{value!r}: port {port!r} is not a TCP port (1-65535)",
            where=where,
            fix="give the port the registry listens on, e.g. registry.example:5000",
            rule=rule,
        )


def check_repo(url: str, *, plain_http: bool, where: str = "--repo") -> str:
    """An https chart repository, an ``oci://`` registry, or (with --plain-http) an http repository."""
    text = url.strip().rstrip("/")
    match = _URL.match(text)
    if match is None:
        raise InputError(
            f"{url!r} is not a chart repository URL",
            where=where,
            fix="give https://HOST/PATH (a chart repository with an index.yaml) or oci://HOST/PATH (a registry)",
            rule="chart-repo-url",
        )
    _refuse_port(url, match.group(2), where, "chart-repo-url")
    scheme = match.group(1)
    if scheme == "http" and not plain_http:
        raise InputError(
            f"{url!r} is plain http: the chart and its values would travel unencrypted",
            where=where,
            fix="use the mirror's https:// URL (with --repo-ca for a private CA), or add --plain-http to mean it",
            rule="chart-repo-url",
        )
    if scheme == "oci" and (match.group(3) or "/") == "/":
        raise InputError(
            f"{url!r} names no repository path in the registry",
            where=where,
            fix="give the path the chart is pushed under, e.g. oci://registry.example:5000/charts",
            rule="chart-repo-url",
        )
    if scheme == "oci" and text.rsplit("/", 1)[-1] in (charts.CHART_NAME, charts.CRD_CHART_NAME):
        raise InputError(
            f"{url!r} ends in the chart name: --repo is the registry path the charts are under",
            where=where,
            fix=f"drop the trailing /{text.rsplit('/', 1)[-1]}",
            rule="chart-repo-url",
        )
    return text


def read_ca(path: Path, *, where: str = "--repo-ca") -> str:
    """The PEM text of a CA bundle file: one or more ``CERTIFICATE`` blocks, nothing else that looks like a key."""
    try:
        data = path.read_bytes()[: 1024 * 1024 + 1]
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror}", where=where, fix="give a readable PEM file", rule="chart-repo-ca"
        ) from None
    if len(data) > 1024 * 1024:
        raise InputError(f"{path} is over 1 MiB: not a CA bundle", where=where, rule="chart-repo-ca")
    if b"PRIVATE KEY" in data:
        raise InputError(
            f"{path} holds a private key: it would be written into the manifests",
            where=where,
            fix="give the CA certificate(s) only (-----BEGIN CERTIFICATE-----)",
            rule="chart-repo-ca",
        )
    blocks = [m.group(0) for m in _PEM.finditer(data)]
    if not blocks:
        raise InputError(
            f"{path} is not a PEM certificate bundle",
            where=where,
            fix="give the CA in PEM (-----BEGIN CERTIFICATE-----); convert DER with "
            "`openssl x509 -inform der -in ca.der -out ca.pem`",
            rule="chart-repo-ca",
        )
    for block in blocks:
        body = b"".join(block.splitlines()[1:-1])
        try:
            base64.b64decode(body, validate=True)
        except ValueError:
            raise InputError(
                f"{path}: a CERTIFICATE block is not valid base64", where=where, rule="chart-repo-ca"
            ) from None
    return "\n".join(b.decode("ascii").replace("\r\n", "\n") for b in blocks) + "\n"


def _archive_error(path: Path, message: str, where: str, fix: str | None = None) -> InputError:
    return InputError(
        f"{path}: {message}",
        where=where,
        fix=fix or "give the packaged chart (`helm pull rke2-charts/rke2-multus --version VERSION`)",
        rule="chart-archive",
    )


def read_archive(path: Path, chart: str, version: str | None, *, where: str) -> ChartArchive:
    """Read and check a chart archive: a gzip tar whose ``<chart>/Chart.yaml`` names ``chart``; its version
    must equal ``version`` when that is given. ``-`` (or ``/dev/stdin``): standard input, read once per run."""
    from multus_gen.yamlio.reader import is_stdin, read_stdin_bytes

    try:
        if is_stdin(path):
            data = read_stdin_bytes(where=where, max_bytes=MAX_ARCHIVE_BYTES + 1)
        else:
            with path.open("rb") as handle:
                data = handle.read(MAX_ARCHIVE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", where=where, rule="chart-archive") from None
    if len(data) > MAX_ARCHIVE_BYTES:
        raise _archive_error(path, f"is over {MAX_ARCHIVE_BYTES >> 20} MiB: not a {chart} chart archive", where)
    from multus_gen.check.archive import chart_meta

    meta = chart_meta(data, chart)
    if isinstance(meta, str):
        raise _archive_error(path, meta, where)
    found = str(meta["version"])
    if version is not None and found != version:
        flag = "--crd-chart-version" if chart == charts.CRD_CHART_NAME else "--chart-version"
        raise _archive_error(
            path,
            f"is {chart} {found}, but {flag} says {version}",
            where,
            fix=f"drop {flag} (the archive's version is used) or give the archive of {version}",
        )
    return ChartArchive(str(path), chart, found, data)


def check_chart_content(archive: ChartArchive, release: str, *, where: str) -> None:
    """Refuse an archive whose base64 text does not fit the ConfigMap helm-controller stores it in."""
    size = (len(archive.data) + 2) // 3 * 4 + len(f"{release}.tgz.base64")
    if size > MAX_CONFIGMAP_BYTES:
        raise InputError(
            f"{Path(archive.path).name} is {len(archive.data)} bytes, {size} as base64: over the 1 MiB helm-controller "
            f"can store for spec.chartContent ({CHART_CONTENT_SOURCE})",
            where=where,
            fix="serve it as a K3s static chart (install --static-chart) or from a mirror (--repo)",
            rule="chart-archive-size",
        )


def check_registry(value: str, *, where: str = "--system-default-registry") -> str:
    """A registry as the charts take it: ``HOST[:PORT]`` and an optional path (``mirror.example:5000/rancher``)."""
    text = value.strip().rstrip("/")
    if "://" in text:
        raise InputError(
            f"{value!r} has a scheme; the chart puts the registry in front of image names",
            where=where,
            fix=f"write it without the scheme: {text.split('://', 1)[1]}",
            rule="chart-registry",
        )
    if not _REGISTRY.match(text):
        raise InputError(
            f"{value!r} is not a registry HOST[:PORT][/PATH]",
            where=where,
            fix="give the registry host (and port) only, e.g. registry.example:5000; the chart prefixes each "
            "image with it",
            rule="chart-registry",
        )
    _refuse_port(value, text.split("/", 1)[0], where, "chart-registry")
    return text


def check_secret_name(value: str, *, where: str) -> str:
    if len(value) > 253 or not _SECRET_NAME.match(value):
        raise InputError(
            f"{value!r} is not a Secret name",
            where=where,
            fix="give the name of a Secret (lowercase letters, digits, '-', '.')",
            rule="chart-repo-url" if where != "--image-pull-secret" else "chart-registry",
        )
    return value


def takes_pull_secrets(version: str) -> bool:
    from multus_gen.knowledge import images

    return images.takes_pull_secrets(version)


def make_source(
    *,
    distro: str,
    repo: str | None,
    repo_ca: Path | None,
    auth_secret: str | None,
    plain_http: bool,
    insecure_skip_tls_verify: bool,
    chart_archive: Path | None,
    crd_chart_archive: Path | None,
    static_chart: bool,
    system_default_registry: str | None,
    image_pull_secret: str | None,
    chart_version: str | None,
    crd_chart_version: str | None,
) -> ChartSource:
    """The chart source options, checked (one line naming the flag, with the fix)."""
    if distro == "rke2":
        if system_default_registry is not None:
            raise InputError(
                "on RKE2 the system default registry is RKE2's own setting: RKE2 passes it to every packaged chart "
                "(global.systemDefaultRegistry) and pulls its own images from it",
                where="--system-default-registry",
                fix="set `system-default-registry: HOST[:PORT]` in /etc/rancher/rke2/config.yaml and drop the flag",
                rule="chart-registry",
            )
        given = [
            flag
            for flag, value in (
                ("--repo", repo),
                ("--repo-ca", repo_ca),
                ("--auth-secret", auth_secret),
                ("--plain-http", plain_http or None),
                ("--insecure-skip-tls-verify", insecure_skip_tls_verify or None),
                ("--chart-archive", chart_archive),
                ("--crd-chart-archive", crd_chart_archive),
                ("--static-chart", static_chart or None),
            )
            if value is not None
        ]
        if given:
            raise InputError(
                "RKE2 installs rke2-multus from the chart packaged in its own release: a HelmChartConfig has no "
                "chart source",
                where=given[0],
                fix="drop it; air-gapped RKE2 takes its images from the rke2-images tarball or its "
                "system-default-registry (RKE2 docs: air-gap install)",
                rule="chart-repo-url",
            )
    if chart_archive is not None and repo is not None:
        raise InputError(
            "--chart-archive and --repo are two sources for one chart",
            where="--repo",
            fix="keep one: the archive (embedded or served as a static chart) or the mirror",
            rule="chart-repo-url",
        )
    if repo is None:
        for flag, value in (
            ("--repo-ca", repo_ca),
            ("--auth-secret", auth_secret),
            ("--plain-http", plain_http or None),
            ("--insecure-skip-tls-verify", insecure_skip_tls_verify or None),
        ):
            if value is not None:
                raise InputError(
                    f"{flag} is a setting of a chart mirror, and no --repo is given",
                    where=flag,
                    fix="add --repo URL (your mirror), or drop it",
                    rule="chart-repo-url",
                )
    if static_chart and chart_archive is None:
        raise InputError(
            "--static-chart serves a chart archive, and no --chart-archive is given",
            where="--static-chart",
            fix="add --chart-archive FILE",
            rule="chart-archive",
        )
    if crd_chart_archive is not None and chart_archive is None:
        raise InputError(
            "--crd-chart-archive without --chart-archive: the two charts come from one source",
            where="--crd-chart-archive",
            fix="add --chart-archive FILE (rke2-multus), or use a mirror (--repo) for both",
            rule="chart-archive",
        )
    source = ChartSource(
        repo=check_repo(repo, plain_http=plain_http) if repo is not None else None,
        plain_http=plain_http,
        insecure_skip_tls_verify=insecure_skip_tls_verify,
        auth_secret=check_secret_name(auth_secret, where="--auth-secret") if auth_secret is not None else None,
        static_chart=static_chart,
        system_default_registry=(
            check_registry(system_default_registry) if system_default_registry is not None else None
        ),
        image_pull_secret=(
            check_secret_name(image_pull_secret, where="--image-pull-secret") if image_pull_secret is not None else None
        ),
    )
    if plain_http and source.repo is not None and source.repo.startswith("https://"):
        raise InputError(
            "--plain-http with an https:// repository",
            where="--plain-http",
            fix="drop --plain-http, or give the mirror's http:// URL",
            rule="chart-repo-url",
        )
    if repo_ca is not None:
        source = replace(source, repo_ca=read_ca(repo_ca), repo_ca_file=str(repo_ca))
    if chart_archive is not None:
        archive = read_archive(chart_archive, charts.CHART_NAME, chart_version, where="--chart-archive")
        source = replace(source, archive=archive)
    if crd_chart_archive is not None:
        crd = read_archive(crd_chart_archive, charts.CRD_CHART_NAME, crd_chart_version, where="--crd-chart-archive")
        source = replace(source, crd_archive=crd)
    return source


#: The public repository and registry (no chart source option given).
PUBLIC = ChartSource()

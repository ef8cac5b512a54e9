"""Fixtures and hooks of the conformance suite: the Helm engine, the chart archives in
../shared/fixtures/charts, and the render-matrix report.

A plugin module, loaded by ``pytest_plugins = ["conformance_plugin"]`` in each test module, not a
``conftest.py``: conftest files in folders without ``__init__.py`` are all imported as the module ``conftest``,
and a second one would shadow tests/conftest.py for modules that ``from conftest import ...``.

Archives are discovered by globbing at collection time, so an archive added to the fixtures later is covered
without editing the suite; the tests read them through the ``shared`` fixture (tests/conftest.py), which
skips, or fails under MULTUS_GEN_REQUIRE_REAL=1, when ../shared is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import helmrender
import pytest

MISSING = "no-chart-archives"


def _root_conftest(config: pytest.Config) -> Any:
    target = (Path(__file__).resolve().parent.parent / "conftest.py").resolve()
    for plugin in config.pluginmanager.get_plugins():
        file = getattr(plugin, "__file__", None)
        if file and Path(file).resolve() == target:
            return plugin
    raise RuntimeError(f"{target} is not loaded")


#: One archive per rke2-multus template generation (FACTS 3), rendered by tests/conformance/generations_test.py.
GENERATIONS = "charts-generations"


def _archive_names(config: pytest.Config, chart: str | None, folder: str = "charts") -> list[str]:
    charts = _root_conftest(config).shared_dir() / "fixtures" / folder
    if not charts.is_dir():
        return []
    return [a.file_name for a in helmrender.discover(charts) if chart is None or a.name == chart]


#: Parametrized arguments: every archive of one chart (None: every archive).
ARCHIVE_PARAMS = (
    ("multus_archive_name", helmrender.MULTUS),
    ("crd_archive_name", helmrender.MULTUS_CRD),
    ("any_archive_name", None),
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for argname, chart in ARCHIVE_PARAMS:
        if argname in metafunc.fixturenames:
            names = _archive_names(metafunc.config, chart) or [MISSING]
            metafunc.parametrize(argname, names, ids=[n.removesuffix(".tgz") for n in names])
    if "generation_archive_name" in metafunc.fixturenames:
        names = _archive_names(metafunc.config, helmrender.MULTUS, GENERATIONS) or [MISSING]
        metafunc.parametrize("generation_archive_name", names, ids=[n.removesuffix(".tgz") for n in names])


@pytest.fixture(scope="session")
def charts_dir(shared: Path) -> Path:
    return shared / "fixtures" / "charts"


@pytest.fixture(scope="session")
def archives(charts_dir: Path) -> list[helmrender.Archive]:
    return helmrender.discover(charts_dir)


def _archive(charts_dir: Path, name: str, require_real: Callable[[str], Any]) -> helmrender.Archive:
    if name == MISSING:
        require_real(f"no chart archives found in {charts_dir}")
    return helmrender.read_archive(charts_dir / name)


@pytest.fixture
def multus_archive(charts_dir: Path, multus_archive_name: str, require_real: Any) -> helmrender.Archive:
    return _archive(charts_dir, multus_archive_name, require_real)


@pytest.fixture
def generation_archive(shared: Path, generation_archive_name: str, require_real: Any) -> helmrender.Archive:
    return _archive(shared / "fixtures" / GENERATIONS, generation_archive_name, require_real)


@pytest.fixture
def crd_archive(charts_dir: Path, crd_archive_name: str, require_real: Any) -> helmrender.Archive:
    return _archive(charts_dir, crd_archive_name, require_real)


@pytest.fixture
def any_archive(charts_dir: Path, any_archive_name: str, require_real: Any) -> helmrender.Archive:
    return _archive(charts_dir, any_archive_name, require_real)


@pytest.fixture(scope="session")
def helm(require_real: Any) -> Any:
    """The Helm v4 engine (PyPI helm-python-sdk)."""
    try:
        import helm_python
    except ImportError:
        require_real("helm-python-sdk is not installed (pip install helm-python-sdk)")
    return helm_python


@pytest.fixture(scope="session")
def load_chart(helm: Any) -> Callable[[helmrender.Archive], Any]:
    """``load_chart(archive)``: a FRESH Helm chart object for every render.

    helm-python-sdk 0.2.2's ``Chart.render`` mutates the loaded chart: it drops the subcharts whose condition
    is false (helm's dependency processing), so a chart rendered once without ``rke2-whereabouts.enabled``
    never renders whereabouts again. Caching ``Chart.load`` per archive would hide whereabouts from every
    later render; loading costs about 2 ms, so each render gets its own.
    """

    def load(archive: helmrender.Archive) -> Any:
        return helm.Chart.load(str(archive.path))

    return load


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not helmrender.MATRIX_CELLS and not helmrender.RENDERS:
        return
    archives = sorted({c[0] for c in helmrender.MATRIX_CELLS})
    dims = [len(archives), len({c[1] for c in helmrender.MATRIX_CELLS}), len({c[2] for c in helmrender.MATRIX_CELLS})]
    dims.append(len({c[3] for c in helmrender.MATRIX_CELLS}))
    renders = ", ".join(f"{n} {name}" for name, n in sorted(helmrender.RENDERS.items()))
    terminalreporter.write_sep("-", "multus-gen conformance matrix")
    terminalreporter.write_line(
        f"rke2-multus archives x IPAMs x K3s versions x data dirs = {' x '.join(map(str, dims))} = "
        f"{len(helmrender.MATRIX_CELLS)} matrix renders ({', '.join(archives)})"
    )
    terminalreporter.write_line(f"Helm engine renders in total: {renders or 'none'}")

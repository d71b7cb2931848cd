"""Test fixtures: every database test runs on SQLite and on PostgreSQL/PostGIS."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.dbtemplates import SEEDS, TemplateStore, open_database, register_seed  # noqa: E402,F401
from tests import yunxi  # noqa: E402,F401  (registers the "yunxi" seed)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _is_worker(config) -> bool:
    return hasattr(config, "workerinput")  # a pytest-xdist worker


def pytest_configure(config):
    if not _is_worker(config):
        from tests import package_build
        package_build.prepare()  # before xdist starts its workers: they inherit the folder


def pytest_collection_finish(session):
    if not _is_worker(session.config):  # the only process; with xdist, the hook below
        from tests import package_build
        package_build.start_if_needed(item.nodeid for item in session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    from tests import package_build
    package_build.start_if_needed(ids)


def pytest_unconfigure(config):
    if not _is_worker(config):
        from tests import package_build
        package_build.finish()


@pytest.fixture(scope="session")
def template_store(tmp_path_factory):
    store = TemplateStore(tmp_path_factory.mktemp("dbtemplates"))
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def make_db(backend, template_store):
    """``make_db(seed="empty")`` → a fresh Database cloned from the seed's template."""
    opened = []

    def factory(seed: str = "empty"):
        url = template_store.clone(backend, seed)
        db = open_database(backend, url)
        opened.append(db)
        return db

    yield factory
    for db in opened:
        db.engine.dispose()
        template_store.drop(db.backend, db.url)


@pytest.fixture
def db(make_db):
    """An empty, fully migrated database on the current backend."""
    return make_db("empty")


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread():
    """Once a test has made the QApplication, automatic garbage collection is off (the GUI
    thread collects on a timer: seatdesk/ui/gui_gc.py); between tests, where no event loop
    may run, the suite does the timer's check itself."""
    yield
    from seatdesk.ui.gui_gc import collect_if_due

    collect_if_due()


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """Never touch the user's real data directory or config from a test."""
    monkeypatch.setenv("SEATDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SEATDESK_CONFIG", str(tmp_path / "seatdesk.toml"))
    monkeypatch.delenv("SEATDESK_DATABASE_URL", raising=False)


# -- seeds: templates built once per session and cloned per test ---------------------------


@register_seed("reference")
def _seed_reference(engine):
    """Classification editions, the filing-condition catalogue and the calendar."""
    from seatdesk.data.reference import load_reference
    from seatdesk.models.db import session_factory

    with session_factory(engine).begin() as session:
        load_reference(session)


@register_seed("demo_small")
def _seed_demo_small(engine):
    """A small, deterministic demo city (reference data included)."""
    from seatdesk.data.demo import DemoSpec, build_demo

    build_demo(engine, DemoSpec.small())

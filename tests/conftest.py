from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import normwatch
from fixture_kb import dump_yaml
from normwatch.knowledge.load import KnowledgeBase, load

# pytest-xdist's workers run with COLUMNS=80 and LINES=24 set; rich fixes a console's width
# from COLUMNS when the console is made, so the listing tests that choose their own width
# would all see 80
if os.environ.get("PYTEST_XDIST_WORKER"):
    for name in ("COLUMNS", "LINES"):
        os.environ.pop(name, None)

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    """The knowledge base shipped with the package."""
    return normwatch.load_kb()


@pytest.fixture(scope="session")
def rules():
    """The rules shipped with normwatch."""
    from normwatch.engine.rules import shipped_rules

    return shipped_rules()


@pytest.fixture
def mini_kb(tmp_path: Path):
    """Build a small knowledge base from dicts: mini_kb({"instruments.yaml": {...}})."""

    def build(files: dict[str, object]) -> KnowledgeBase:
        root = tmp_path / "kb"
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_yaml(data), encoding="utf-8")
        return load(root)

    return build


def private_database(url: str) -> str:
    """A database of this test process's own on the server at ``url`` (parallel runs do not meet)."""
    import psycopg
    from psycopg import sql

    name = f"normwatch_test_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A private database on the throwaway PostgreSQL server of scripts/postgres.sh.

    Skips with the reason when no server can be started, unless NORMWATCH_REQUIRE_POSTGRES
    is set (CI), where that is a failure. One per session: the store and API tests share it.
    """
    root = HERE.parent
    try:
        done = subprocess.run(["bash", str(root / "scripts" / "postgres.sh")], capture_output=True, text=True,
                              timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        reason = f"scripts/postgres.sh could not run: {exc}"
    else:
        if done.returncode == 0 and done.stdout.strip():
            return private_database(done.stdout.strip().splitlines()[-1])
        reason = f"scripts/postgres.sh could not start PostgreSQL: {done.stderr.strip().splitlines()[-1:]}"
    if os.environ.get("NORMWATCH_REQUIRE_POSTGRES"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def server():
    """One normwatch server over the shipped knowledge base for every browser test file."""
    from browsing import serve

    with serve() as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test file."""
    from browsing import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def served(tmp_path: Path):
    """A client of an app over a fresh store, the store, and one token per scope."""
    from fastapi.testclient import TestClient

    from normwatch.service.app import create_app
    from normwatch.service.store import open_store

    store = open_store(str(tmp_path / "served.sqlite"))
    tokens = {scope: store.create_token(f"{scope}-user", scope) for scope in ("read", "write", "admin")}
    with TestClient(create_app(store=store), raise_server_exceptions=False) as client:
        yield client, store, tokens
    store.close()


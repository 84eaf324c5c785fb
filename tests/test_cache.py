"""The response cache (normwatch.service.cache): same bytes as without it, dropped when the
store changes, never for token holders or uncacheable answers, bounded in bytes, ETags."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

import normwatch
from normwatch.service.app import create_app
from normwatch.service.cache import ResponseCache, configured_bytes
from normwatch.service.store import Store
from tokens_header import bearer

TAXII = "application/taxii+json;version=2.1"
READS = [
    ("/incidents/notpetya-2017", "text/html"),
    ("/incidents/notpetya-2017?format=json", "text/html"),
    ("/incidents/notpetya-2017", "application/json"),
    ("/states/RUS", "text/html"),
    ("/charts", "text/html"),
    ("/api/assessments?limit=5&offset=3", "application/json"),
    ("/api/assessments?limit=5&offset=3", "text/csv"),
    ("/api/incidents/wannacry-2017", "application/json"),
    ("/api/briefs/notpetya-2017?format=html", "text/html"),
    ("/taxii2/normwatch/collections/incidents/objects/?limit=3", TAXII),
    ("/api/incidents/nope", "application/json"),  # a 404 is cached too
    ("/no/such/page", "text/html"),
]


@pytest.fixture(scope="module")
def pair() -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps over the shipped catalogue: with the cache, and without it."""
    with TestClient(create_app()) as cached, TestClient(create_app(cache_bytes=0)) as plain:
        yield cached, plain


def stats(client: TestClient) -> Any:
    return client.app.state.response_cache.stats()  # type: ignore[attr-defined]


def test_a_cached_answer_is_the_uncached_one_byte_for_byte(pair: tuple[TestClient, TestClient]) -> None:
    cached, plain = pair
    for path, accept in READS:
        expected = plain.get(path, headers={"Accept": accept}, follow_redirects=False)
        first = cached.get(path, headers={"Accept": accept}, follow_redirects=False)
        again = cached.get(path, headers={"Accept": accept}, follow_redirects=False)
        assert expected.status_code in (200, 404), path
        assert "x-cache" not in expected.headers, path
        assert (first.headers["x-cache"], again.headers["x-cache"]) == ("miss", "hit"), path
        for answer in (first, again):
            assert answer.status_code == expected.status_code, path
            assert answer.content == expected.content, (path, accept)
            assert answer.headers["content-type"] == expected.headers["content-type"], path
            # the security headers are added outside the cache, on every answer
            assert answer.headers["content-security-policy"] == expected.headers["content-security-policy"]
    assert stats(cached).hits >= len(READS)


def test_the_key_tells_accept_and_query_apart_but_not_parameter_order(pair: tuple[TestClient, TestClient]) -> None:
    cached, _ = pair
    html = cached.get("/incidents/stuxnet-2010", headers={"Accept": "text/html"})
    as_json = cached.get("/incidents/stuxnet-2010", headers={"Accept": "application/json"})
    assert html.headers["content-type"].startswith("text/html")
    assert as_json.headers["content-type"].startswith("application/json") and as_json.json()
    assert as_json.headers["x-cache"] == "miss"
    one = cached.get("/api/assessments?limit=2&offset=7")
    swapped = cached.get("/api/assessments?offset=7&limit=2")
    other = cached.get("/api/assessments?limit=2&offset=8")
    assert swapped.headers["x-cache"] == "hit" and swapped.content == one.content
    assert other.headers["x-cache"] == "miss" and other.json()["assessments"] != one.json()["assessments"]


def test_etag_and_if_none_match_answer_304(pair: tuple[TestClient, TestClient]) -> None:
    cached, _ = pair
    first = cached.get("/api/incidents/stuxnet-2010")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = cached.get("/api/incidents/stuxnet-2010", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = cached.get("/api/incidents/stuxnet-2010", headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = cached.get("/api/incidents/stuxnet-2010", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.content == first.content
    assert stats(cached).not_modified >= 2


def test_client_errors_are_not_cached(pair: tuple[TestClient, TestClient]) -> None:
    cached, _ = pair
    for _ in range(2):
        bad = cached.get("/api/incidents?limit=0")
        assert bad.status_code == 422 and "x-cache" not in bad.headers
        wrong = cached.get("/taxii2/normwatch/collections/", headers={"Accept": "text/html"})
        assert wrong.status_code == 406 and "x-cache" not in wrong.headers


def test_a_publication_with_a_token_invalidates(served: tuple[TestClient, Store, dict[str, str]],
                                                kb: normwatch.KnowledgeBase) -> None:
    client, store, tokens = served
    incident = next(i for i in kb.incidents if i.id == "wannacry-2017")
    before = client.get("/api/incidents/wannacry-2017")
    page_before = client.get("/incidents/wannacry-2017")
    assert client.get("/api/incidents/wannacry-2017").headers["x-cache"] == "hit"
    assert client.get("/incidents/wannacry-2017").headers["x-cache"] == "hit"
    changed = {**before.json(), "name": "WannaCry (renamed by a reviewer)"}
    draft = client.post("/api/drafts", json={"incident": changed, "reason": "a test of the cache"},
                        headers=bearer(tokens["write"]))
    assert draft.status_code == 201, draft.text
    # a pending draft changes nothing that is published: the cached answer stays right
    assert client.get("/api/incidents/wannacry-2017").content == before.content
    published = client.post(f"/api/drafts/{draft.json()['draft']['id']}/publish", json={"reason": "checked"},
                            headers=bearer(tokens["admin"]))
    assert published.status_code == 200, published.text
    after = client.get("/api/incidents/wannacry-2017")
    assert after.headers["x-cache"] == "miss" and after.json()["name"] == "WannaCry (renamed by a reviewer)"
    assert after.headers["etag"] != before.headers["etag"]
    page_after = client.get("/incidents/wannacry-2017")
    assert "renamed by a reviewer" in page_after.text and "renamed by a reviewer" not in page_before.text
    assert incident.name in page_before.text
    # a client holding the old ETag gets the new answer, not 304
    revalidated = client.get("/api/incidents/wannacry-2017", headers={"If-None-Match": before.headers["etag"]})
    assert revalidated.status_code == 200 and revalidated.content == after.content


def test_answers_to_token_holders_are_never_cached(served: tuple[TestClient, Store, dict[str, str]]) -> None:
    client, _, tokens = served
    held = stats(client).entries if hasattr(client.app.state, "response_cache") else 0  # type: ignore[attr-defined]
    for _ in range(2):
        drafts = client.get("/api/drafts", headers=bearer(tokens["read"]))
        audit = client.get("/api/audit", headers=bearer(tokens["read"]))
        public = client.get("/api/incidents/wannacry-2017", headers=bearer(tokens["read"]))
        for answer in (drafts, audit, public):
            assert answer.status_code == 200 and "x-cache" not in answer.headers and "etag" not in answer.headers
        anonymous = client.get("/api/drafts")
        assert anonymous.status_code == 401 and "x-cache" not in anonymous.headers
    assert stats(client).entries == held
    # the anonymous read of the same address is cached on its own
    assert client.get("/api/incidents/wannacry-2017").headers["x-cache"] == "miss"


def test_the_bound_in_bytes_holds() -> None:
    bound = 300_000
    with TestClient(create_app(cache_bytes=bound)) as client:
        ids = sorted(i.id for i in normwatch.load_kb().incidents)[:40]
        for incident_id in ids:
            assert client.get(f"/incidents/{incident_id}").status_code == 200
            assert stats(client).bytes <= bound
        held = stats(client)
        assert held.evicted > 0 and 0 < held.entries < len(ids)
        # the least recently used went first: the last page is still there, the first is not
        assert client.get(f"/incidents/{ids[-1]}").headers["x-cache"] == "hit"
        assert client.get(f"/incidents/{ids[0]}").headers["x-cache"] == "miss"
        # an answer over a quarter of the bound is passed through whole and not kept
        big = client.get("/api/assessments?limit=100")
        assert big.status_code == 200 and len(big.content) > bound // 4 and "x-cache" not in big.headers
        assert len(big.json()["assessments"]) == 100
        assert stats(client).bytes <= bound


def _tiny(headers: dict[str, str], status: int = 200) -> TestClient:
    """An app that answers from a counter, behind the cache, to see what it keeps."""
    calls = {"n": 0}

    async def answer(request: Any) -> Response:
        calls["n"] += 1
        return Response(f"call {calls['n']}", status_code=status, headers=headers)

    inner = Starlette(routes=[Route("/", answer)])
    catalog = SimpleNamespace(kb=SimpleNamespace(version="k"), rules=SimpleNamespace(version="r"))
    owner = SimpleNamespace(state=SimpleNamespace(catalog=catalog, catalog_generation=0))
    return TestClient(ResponseCache(inner, owner, 1_000_000))  # type: ignore[arg-type]


@pytest.mark.parametrize(("headers", "status", "kept"), [
    ({}, 200, True),
    ({"Vary": "Accept"}, 200, True),
    ({"Set-Cookie": "a=b"}, 200, False),
    ({"Cache-Control": "no-store"}, 200, False),
    ({"Cache-Control": "private, max-age=5"}, 200, False),
    ({"Vary": "Accept, Cookie"}, 200, False),
    ({}, 500, False),
    ({}, 503, False),
    ({}, 404, True),
])
def test_what_is_kept(headers: dict[str, str], status: int, kept: bool) -> None:
    client = _tiny(headers, status)
    first, second = client.get("/"), client.get("/")
    assert first.text == "call 1"
    assert second.text == ("call 1" if kept else "call 2")


def test_the_setting() -> None:
    assert configured_bytes(0) == 0 and configured_bytes(1234) == 1234
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NORMWATCH_RESPONSE_CACHE", "0")
        assert configured_bytes() == 0
        patch.setenv("NORMWATCH_RESPONSE_CACHE", "2")
        assert configured_bytes() == 2 * 1024 * 1024
        patch.setenv("NORMWATCH_RESPONSE_CACHE", "lots")
        with pytest.raises(ValueError, match="NORMWATCH_RESPONSE_CACHE"):
            configured_bytes()
    with TestClient(create_app(cache_bytes=0)) as client:
        answer = client.get("/api/incidents/wannacry-2017")
        assert answer.status_code == 200 and "x-cache" not in answer.headers
        assert not stats(client).enabled

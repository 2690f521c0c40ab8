"""The admin page: security headers, no path traversal, CORS off unless configured."""

from __future__ import annotations

import pytest

from pts.admin import static
from pts.domain.functions import FUNCTIONS
from pts.domain.timefmt import parse_rfc3339
from pts.runtime.app import build_app
from tests.auth.helpers import bearer
from tests.support.env import function_client


def _assert_secure(resp):
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"


def test_the_page_is_served_with_strict_headers(anon_client):
    client = anon_client("admin")
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    _assert_secure(page)
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "<script " in html and " on" not in html.split("<body")[1]
    assert 'data-search="/function/search"' in html
    for name, mimetype in (("/app.js", "text/javascript"), ("/app.css", "text/css")):
        resp = client.get(name)
        assert resp.status_code == 200 and resp.mimetype == mimetype
        _assert_secure(resp)


def test_problems_carry_the_headers_too(anon_client):
    resp = anon_client("admin").get("/api/whoami")
    assert resp.status_code == 401
    _assert_secure(resp)


def test_the_token_never_travels_in_a_url():
    js = "\n".join(p.read_text() for p in sorted(static.STATIC_DIR.rglob("*.js")))
    assert "sessionStorage" in js and "localStorage" not in js and "document.cookie" not in js
    assert "Authorization" in js and "?token" not in js and "innerHTML" not in js


def test_under_pts_up_the_page_finds_search_beside_it(db_url):
    from werkzeug.test import Client

    client = Client(build_app([f for f in FUNCTIONS if f.name == "admin"]))
    page = client.get("/function/admin")  # no redirect to a trailing slash
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/function/admin/app.css"' in html
    assert 'data-search="/function/search"' in html
    assert client.get("/function/admin/app.js").status_code == 200


def test_an_external_search_url_is_escaped_and_allowed_by_the_csp(anon_client, monkeypatch):
    monkeypatch.setenv("PTS_SEARCH_URL", 'https://search.example:8443/x"><script>')
    page = anon_client("admin").get("/")
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "&quot;&gt;&lt;script&gt;" in html
    assert "connect-src 'self' https://search.example:8443;" in page.headers[
        "Content-Security-Policy"]


TRAVERSALS = [
    "/../pyproject.toml", "/..%2fadmin%2fstatic.py", "/%2e%2e/static.py", "/%2e%2e%2fweb.py",
    "/..%5c..%5cweb.py", "//etc/passwd", "/%2fetc%2fpasswd", "/static/../web.py",
    "/../../../../../../etc/passwd", "/app.js/..", "/app.js%00.css", "/./app.js/",
    "/.%2e/.%2e/config.py", "/%252e%252e/web.py", "/__init__.py", "/static.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_path_traversal(anon_client, path):
    resp = anon_client("admin").get(path)
    assert resp.status_code in (404, 400), (path, resp.status_code)
    assert b"import" not in resp.get_data() and b"root:" not in resp.get_data()


def test_symlinks_and_folders_in_static_are_not_served(tmp_path, anon_client, monkeypatch):
    root = tmp_path / "static"
    (root / "sub").mkdir(parents=True)
    (root / "ok.css").write_text("body{}")
    (root / "sub" / "deep.js").write_text("1")
    (tmp_path / "secret.js").write_text("SECRET")
    (root / "link.js").symlink_to(tmp_path / "secret.js")
    (root / "dirlink").symlink_to(tmp_path)
    files = static._files(root)
    assert set(files) == {"/ok.css", "/sub/deep.js"}
    monkeypatch.setattr(static, "FILES", files)
    client = anon_client("admin")
    assert client.get("/ok.css").status_code == 200
    assert client.get("/sub/deep.js").status_code == 200
    for path in ("/link.js", "/dirlink/secret.js", "/sub", "/sub/"):
        resp = client.get(path)
        assert resp.status_code == 404 and b"SECRET" not in resp.get_data(), path


def test_only_get_on_the_page(anon_client):
    assert anon_client("admin").post("/").status_code == 405
    assert anon_client("admin").delete("/app.js").status_code == 405


def test_no_cors_headers_unless_configured(anon_client, make_token):
    token = make_token("reader", "read")
    client = anon_client("admin")
    resp = client.get("/api/whoami", headers={**bearer(token), "Origin": "https://evil.example"})
    assert resp.status_code == 200
    assert not [h for h, _ in resp.headers.items() if h.lower().startswith("access-control-")]
    pre = client.options("/api/whoami", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "GET"})
    assert not [h for h, _ in pre.headers.items() if h.lower().startswith("access-control-")]


def test_cors_for_configured_origins_only(anon_client, make_token, monkeypatch):
    monkeypatch.setenv("PTS_CORS_ORIGINS", "https://ops.example, https://other.example")
    token = make_token("reader", "read")
    client = anon_client("admin")
    pre = client.options("/api/whoami", headers={"Origin": "https://ops.example",
                                                 "Access-Control-Request-Method": "GET",
                                                 "Access-Control-Request-Headers": "authorization"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "https://ops.example"
    assert "Authorization" in pre.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in pre.headers
    resp = client.get("/api/whoami", headers={**bearer(token), "Origin": "https://ops.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://ops.example"
    assert "Origin" in resp.headers["Vary"]
    evil = client.get("/api/whoami", headers={**bearer(token), "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in evil.headers


def test_tokens_api_creates_lists_and_revokes(sql):
    client = function_client("admin")
    created = client.post("/api/tokens", json={"name": "ci", "scopes": ["ingest"],
                                               "source_prefix": "/ci/"})
    assert created.status_code == 201
    token = created.get_json()["token"]
    assert token.startswith("pts_") and len(token) > 40
    assert sql.execute("SELECT count(*) FROM api_tokens WHERE token_hash LIKE %s",
                       (f"%{token}%",)).fetchone()[0] == 0
    listed = client.get("/api/tokens").get_json()["tokens"]
    assert [t["name"] for t in listed] == ["PTS_ADMIN_TOKEN", "ci"]
    for time in [created.get_json()["created_at"], *(t["created_at"] for t in listed),
                 listed[0]["last_used_at"]]:  # RFC 3339 with Z, as PTS's own parser takes it
        assert time.endswith("Z") and parse_rfc3339(time)
    assert all("token" not in t and "token_hash" not in t for t in listed)
    assert client.post("/api/tokens", json={"name": "ci", "scopes": ["read"]}).status_code == 409
    bad = client.post("/api/tokens", json={"name": "", "scopes": ["root"]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} == {"name", "scopes"}
    assert client.delete("/api/tokens/ci").status_code == 204
    assert client.delete("/api/tokens/ci").status_code == 404
    assert function_client("admin", token=token).get("/api/whoami").status_code == 401

"""Payload: ETag, gzip negotiation and 304s (the lecture hall's cache of bytes)."""

import gzip

from app.http_cache import Payload, accepts_gzip, matches

BODY = b"export const answer = 42;\n" * 100


def test_etag_is_strong_and_follows_the_bytes():
    a, b = Payload(BODY, "text/javascript"), Payload(BODY + b"//", "text/javascript")
    assert a.etag.startswith('"') and a.etag.endswith('"') and a.etag != b.etag
    assert Payload(BODY, "text/javascript").etag == a.etag


def test_if_none_match_lists_weak_tags_and_star():
    etag = Payload(BODY, "text/javascript").etag
    assert matches(etag, etag)
    assert matches(f'"other", W/{etag}', etag)
    assert matches("*", etag)
    assert not matches('"other"', etag)
    assert not matches(None, etag)


def test_accept_encoding():
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("br;q=1.0, gzip;q=0.8")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("identity")
    assert not accepts_gzip(None)


def test_response_gzips_revalidates_and_answers_304():
    payload = Payload(BODY, "text/javascript")
    plain = payload.response({})
    assert plain.status_code == 200 and plain.body == BODY
    assert plain.headers["etag"] == payload.etag and plain.headers["cache-control"] == "no-cache"
    packed = payload.response({"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and gzip.decompress(packed.body) == BODY
    assert int(packed.headers["content-length"]) == len(packed.body) < len(BODY)
    again = payload.response({"if-none-match": payload.etag, "accept-encoding": "gzip"})
    assert again.status_code == 304 and again.body == b"" and again.headers["etag"] == payload.etag


def test_tiny_bodies_are_not_gzipped():
    payload = Payload(b"{}", "application/json")
    assert payload.gzipped is None
    assert "content-encoding" not in payload.response({"accept-encoding": "gzip"}).headers

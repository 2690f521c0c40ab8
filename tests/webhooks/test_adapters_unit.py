"""The adapters' parsing, without a database: purls, Flux revisions, producers' times."""

from __future__ import annotations

import pytest

from pts.domain.cdevents import purl
from pts.webhooks.adapt import image_repository, timestamp
from pts.webhooks.flux import commit_of, revision_of

SHA = "e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"
DIGEST = "sha256:" + "0b" * 32


@pytest.mark.parametrize("text, expected", [
    (f"pkg:oci/api@{DIGEST.replace(':', '%3A')}?repository_url=reg.local/team/api&tag=1.4",
     ("reg.local/team/api", DIGEST, "1.4")),
    (f"pkg:oci/API@{DIGEST}", ("api", DIGEST, None)),
    ("pkg:oci/api@1.4.2", None),  # a version that is no digest names no image
    ("pkg:golang/mygit.com/myorg/myapp@234fd47e07d1004f0aed9c", None),
    ("not a purl", None),
])
def test_oci_purls(text, expected):
    image = purl.oci_image(text)
    assert (image and (image.repository, image.digest, image.tag)) == expected


def test_purl_parts():
    p = purl.parse("pkg:maven/org.apache/commons-io@2.6?type=jar#sub")
    assert (p.type, p.namespace, p.name, p.version, p.qualifiers) == (
        "maven", "org.apache", "commons-io", "2.6", {"type": "jar"})


@pytest.mark.parametrize("metadata, revision, commit", [
    ({"revision": f"main@sha1:{SHA}"}, f"main@sha1:{SHA}", SHA),
    ({"kustomize.toolkit.fluxcd.io/revision": f"main/{SHA}"}, f"main/{SHA}", SHA),
    ({"helm.toolkit.fluxcd.io/Revision": "1.2.3"}, "1.2.3", None),
    ({"summary": "x"}, None, None),
    ({"chart.revision": 7}, "7", None),  # a number is read as its text, never passed on raw
])
def test_flux_revisions_by_key_suffix(metadata, revision, commit):
    assert revision_of(metadata) == revision
    assert commit_of(revision) == commit


@pytest.mark.parametrize("value, expected", [
    ("2026-11-04 14:20:07 +0100", "2026-11-04T13:20:07Z"),
    ("2026-11-04 13:20:07 UTC", "2026-11-04T13:20:07Z"),
    ("2026-11-04T13:20:07.5+00:00", "2026-11-04T13:20:07.500000Z"),
    (1793868000, "2026-11-05T08:40:00Z"),
    ("yesterday", None), (None, None), (True, None),
])
def test_producer_times(value, expected):
    assert timestamp(value) == expected


def test_image_repository_drops_tag_and_digest():
    assert image_repository("reg:5000/a/b:1.0@sha256:x") == "reg:5000/a/b"
    assert image_repository("reg:5000/a/b") == "reg:5000/a/b"

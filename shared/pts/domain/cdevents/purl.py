"""Package URLs (purl), as CDEvents name artifacts: `pkg:oci/app@sha256%3A…?tag=1.4&
repository_url=registry.local/team/app`. PTS reads OCI purls as image references."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")


@dataclass(frozen=True)
class Purl:
    type: str
    namespace: str | None
    name: str
    version: str | None
    qualifiers: dict[str, str]


def parse(text: str) -> Purl | None:
    """A purl's parts (percent-decoded), or None when text is no purl."""
    if not isinstance(text, str) or not text.startswith("pkg:"):
        return None
    rest = text[4:].lstrip("/").split("#", 1)[0]
    rest, _, query = rest.partition("?")
    rest, _, version = rest.partition("@")
    parts = [unquote(p) for p in rest.split("/") if p]
    if len(parts) < 2:
        return None
    qualifiers = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=False)}
    namespace = "/".join(parts[1:-1]) or None
    return Purl(parts[0].lower(), namespace, parts[-1], unquote(version) or None, qualifiers)


@dataclass(frozen=True)
class OciImage:
    repository: str
    digest: str
    tag: str | None

    @property
    def reference(self) -> str:
        return self.repository + (f":{self.tag}" if self.tag else "") + f"@{self.digest}"


def oci_image(text: str) -> OciImage | None:
    """The image an OCI purl names (repository from repository_url, else the name), when its
    version is a digest; None for any other artifact."""
    purl = parse(text)
    if purl is None or purl.type != "oci" or not purl.version:
        return None
    if not _DIGEST.match(purl.version):
        return None
    repository = purl.qualifiers.get("repository_url") or purl.name.lower()
    return OciImage(repository.rstrip("/"), purl.version, purl.qualifiers.get("tag") or None)

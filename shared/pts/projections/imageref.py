"""Image references `repository[:tag][@digest]`: tag and digest kept apart."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImageRef:
    repository: str
    tag: str | None
    digest: str | None

    @property
    def identity(self) -> str:
        """What makes two references the same image: the digest when known, else the text."""
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}" if self.tag else self.repository


def parse_image(ref: str | None) -> ImageRef | None:
    """Split a reference; a registry port (`host:5000/app`) is not a tag."""
    if not ref or not isinstance(ref, str):
        return None
    name, _, digest = ref.partition("@")
    tag = None
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1:] or None
    if not name:
        return None
    return ImageRef(name, tag, digest or None)

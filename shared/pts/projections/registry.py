"""Every projection by handler name: what the functions and `pts replay` look up."""

from __future__ import annotations

from pts.projections.deployments import PROJECTION as DEPLOYMENTS
from pts.projections.engine import Projection
from pts.projections.images import PROJECTION as IMAGES
from pts.projections.services import PROJECTION as SERVICES

PROJECTIONS: dict[str, Projection] = {p.name: p for p in (DEPLOYMENTS, SERVICES, IMAGES)}

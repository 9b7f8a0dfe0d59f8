"""Resolving `--routes`: a route XML path, or the name of a route set bundled with the package."""

from __future__ import annotations

from pathlib import Path

from leaderboard_adapter.errors import AdapterError

BUNDLED_ROUTES_DIR = Path(__file__).resolve().parent.parent / "data" / "routes"


def bundled_route_sets() -> dict[str, Path]:
    """Bundled route sets by name (file stem)."""
    return {p.stem: p for p in sorted(BUNDLED_ROUTES_DIR.glob("*.xml"))}


def resolve_routes(routes: str) -> Path:
    """The route file for `routes`: an existing path, else a bundled set's name (with or without .xml)."""
    path = Path(routes)
    if path.is_file():
        return path
    sets = bundled_route_sets()
    name = path.name.removesuffix(".xml")
    if name in sets and not path.parent.parts:
        return sets[name]
    raise AdapterError(
        f"route file {routes!r} not found; bundled route sets: {', '.join(sets) or 'none'}"
    )

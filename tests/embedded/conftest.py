"""Session fixtures of the embedded-world tests: the fixture towns (helpers live in embedded_helpers.py)."""

from embedded_helpers import lights_town, stops_town

__all__ = ["lights_town", "stops_town"]

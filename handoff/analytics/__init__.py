"""Containment and effort analytics (see docs/metrics.md)."""

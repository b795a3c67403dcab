"""Scoring: published criteria, sealed score sheets, aggregation and the ruling rule."""

"""Mediation's pure rules."""

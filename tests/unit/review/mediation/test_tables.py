"""Mediation's tables keep each thing once: a session's minutes live in MediationMinutes (versioned, hashed,
commented on), not in a column of the session."""

from __future__ import annotations

from review.mediation.tables import MediationMinutes, MediationSession


def test_a_session_keeps_no_minutes_of_its_own() -> None:
    assert "minutes" not in {c._meta.name for c in MediationSession._meta.columns}
    assert {"session", "version", "body", "sha256"} <= {c._meta.name for c in MediationMinutes._meta.columns}

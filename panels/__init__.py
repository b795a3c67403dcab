"""Panels: roster, composition templates, conflicts of interest, the verifiable draw."""

"""Checks across documents (cross-year); in-document checks live with their stages."""

"""Stored PDF status papers (see reports/papers.py)."""

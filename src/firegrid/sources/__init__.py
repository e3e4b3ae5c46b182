"""Automated acquisition: FIRMS, Sentinel Hub catalog polling and watch folders, with source health."""

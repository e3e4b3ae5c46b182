"""Celery adapters: the app factory and thin, idempotent tasks (ids in, ids out)."""

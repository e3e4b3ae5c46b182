"""Persistence: SQLAlchemy tables, engine/session factory and Alembic migrations."""

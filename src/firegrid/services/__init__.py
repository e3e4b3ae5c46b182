"""Application services: plain Python over a SQLAlchemy session, called by the API, CLI and worker."""

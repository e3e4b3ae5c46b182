"""Notifications: an outbox written in the pipeline's transaction, delivered by workers."""

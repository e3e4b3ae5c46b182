"""People and machines: roles, permissions, passwords, tokens, API keys and grid scope."""

from firegrid.auth.roles import Permission, Principal, Role

__all__ = ["Permission", "Principal", "Role"]

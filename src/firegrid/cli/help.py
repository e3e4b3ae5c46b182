"""Conventional ``--help`` text: ``PATH...`` (not ``{paths}...``) in the usage line, no ``<bool>`` after
a flag, ``<path>`` (not ``<list[Path]>``) for a list argument.

Typer renders these from a few methods of its parameter classes; :func:`install` replaces them once,
before any command is built. ``tests/cli/test_help.py`` checks the rendered help of real commands, so
a Typer release that renames them fails there (and the help keeps Typer's own notation meanwhile).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from typer import core

_LIST = re.compile(r"^<list\[(.+)\]>$")


def _usage_name(self: Any) -> str:
    name = str(self.metavar or self.name).upper()
    many = "..." if self.nargs != 1 else ""
    return f"{name}{many}" if self.required else f"[{name}{many}]"


def _argument_type(self: Any, ctx: Any) -> str | None:
    assert _ORIGINAL_ARGUMENT_TYPE is not None
    shown: str | None = _ORIGINAL_ARGUMENT_TYPE(self, ctx)
    match = _LIST.match(shown or "")
    return f"<{match.group(1).lower()}>" if match else shown


def _option_type(self: Any, ctx: Any) -> str | None:
    if getattr(self, "is_bool_flag", False):
        return None  # a flag takes no value
    assert _ORIGINAL_OPTION_TYPE is not None
    shown: str | None = _ORIGINAL_OPTION_TYPE(self, ctx)
    return shown


_ORIGINAL_ARGUMENT_TYPE: Callable[[Any, Any], str | None] | None = getattr(
    core.TyperArgument, "display_type_rich", None
)
_ORIGINAL_OPTION_TYPE: Callable[[Any, Any], str | None] | None = getattr(
    core.TyperOption, "display_type_rich", None
)


def install() -> None:
    """Patch the help rendering (idempotent; a no-op on Typer versions without these methods)."""
    if hasattr(core.TyperArgument, "_usage_display_name"):
        core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    if _ORIGINAL_ARGUMENT_TYPE is not None:
        core.TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign]
    if _ORIGINAL_OPTION_TYPE is not None:
        core.TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]

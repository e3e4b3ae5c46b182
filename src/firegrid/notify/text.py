"""What a notification says, per channel style (plain text, markdown), from a task payload."""

from __future__ import annotations

from typing import Any

from firegrid import i18n


def _lang(payload: dict[str, Any]) -> str:
    items = payload.get("items") or [payload]
    return str(items[0].get("lang") or payload.get("lang") or i18n.DEFAULT_LANG)


def plain(payload: dict[str, Any]) -> str:
    """One message's text; a digest lists its items."""
    if payload.get("type") == "digest":
        items = payload.get("items", [])
        lines = [i18n.text("text.digest", _lang(payload), n=len(items))]
        lines += [f"{i + 1}. {item.get('text', '')}" for i, item in enumerate(items)]
        return "\n".join(lines)
    return str(payload.get("text", ""))


def markdown(payload: dict[str, Any]) -> str:
    """Markdown for group robots (WeCom/DingTalk), with the task link when there is one."""
    items = payload.get("items", [payload]) if payload.get("type") == "digest" else [payload]
    blocks = []
    for item in items:
        title = item.get("title") or item.get("text", "")[:40]
        line = f"**{title}**\n> {item.get('text', '')}"
        if item.get("url"):
            line += f"\n> [{i18n.text('text.open_task', _lang(item))}]({item['url']})"
        blocks.append(line)
    head = f"**{i18n.text('text.digest_head', _lang(payload), n=len(items))}**\n\n" if len(items) > 1 else ""
    return head + "\n\n".join(blocks)


def mobiles(payload: dict[str, Any]) -> list[str]:
    """Mobile numbers to @-mention (every item's)."""
    items = payload.get("items", [payload]) if payload.get("type") == "digest" else [payload]
    seen: dict[str, None] = {}
    for item in items:
        for mobile in item.get("mention_mobiles", []):
            seen[str(mobile)] = None
    return list(seen)

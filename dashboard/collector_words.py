"""Every sentence the Collector page, its error explanations and the sidebar's collection status show, read
from the catalogue's `[collector]` table in the reader's language: `W.MINE_RUNNING` is the template
`collector.mine_running` (its `{name}` fields filled with str.format by the caller), `W.table("source_names")`
a mapping such as a run step's name in a reader's words. Looked up on use, never at import, so a module
that keeps a word in a constant still follows the language switch."""

from __future__ import annotations

from dashboard import i18n

PREFIX = "collector."


def entry(key: str) -> str:
    """The unformatted template of `collector.<key>` in the current language (English when missing)."""
    found = i18n.catalogue(i18n.current()).get(PREFIX + key) or i18n.catalogue(i18n.DEFAULT)[PREFIX + key]
    assert isinstance(found, str), key  # no plural forms in this table
    return found


def table(name: str) -> dict[str, str]:
    """The mapping `[collector.<name>]` (a table's column names, a step's name, an upstream's name)."""
    prefix = f"{PREFIX}{name}."
    english = i18n.catalogue(i18n.DEFAULT)
    assert any(key.startswith(prefix) for key in english), name
    return {
        key.removeprefix(prefix): entry(key.removeprefix(PREFIX)) for key in english if key.startswith(prefix)
    }


def __getattr__(name: str) -> str:
    """`W.NAME`: the template `collector.name` (module attributes looked up on use, PEP 562)."""
    if not name.isupper():
        raise AttributeError(name)
    return entry(name.lower())

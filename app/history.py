"""Query history and saved queries, per connection and table, kept in the settings file.

Entries hold what the user typed (the builder's fields or a PartiQL statement), never a
credential. They live in the settings document's "history" and "saved_queries" sections,
which app.settings carries through its versioned, atomic saves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app import settings
from app.connections import ConnectionProfile
from app.errors import DynascopeError

HISTORY_PER_TABLE = 100
KINDS = ("builder", "partiql")


def connection_key(profile: ConnectionProfile) -> str:
    """What identifies a connection across runs (the sandbox's URL changes every start)."""
    if profile.kind == "sandbox":
        return f"sandbox:{profile.region}"
    if profile.kind == "endpoint":
        return f"endpoint:{profile.endpoint_url}:{profile.region}"
    if profile.kind == "profile":
        return f"profile:{profile.profile_name}:{profile.region}"
    return f"default:{profile.region}"


@dataclass(frozen=True)
class Entry:
    """One run (or one saved query): which table, what was typed, a one-line summary."""

    connection: str
    table: str
    kind: str  # "builder" or "partiql"
    state: dict[str, Any]
    summary: str
    when: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    name: str = ""  # saved queries only

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Entry:
        if not isinstance(raw, dict) or raw.get("kind") not in KINDS:
            raise ValueError("not a history entry")
        return cls(connection=str(raw["connection"]), table=str(raw["table"]),
                   kind=raw["kind"], state=dict(raw.get("state") or {}),
                   summary=str(raw.get("summary", "")), when=str(raw.get("when", "")),
                   name=str(raw.get("name", "")))

    def same_query(self, other: Entry) -> bool:
        return (self.connection, self.table, self.kind, self.state) == (
            other.connection, other.table, other.kind, other.state)


def _entries(raw: Any) -> list[Entry]:
    out = []
    for item in raw if isinstance(raw, list) else []:
        try:
            out.append(Entry.from_dict(item))
        except (ValueError, KeyError, TypeError):
            continue  # an entry a newer version wrote differently is skipped, not fatal
    return out


class History:
    """Reads and writes the history and saved queries in the settings file at `path`."""

    def __init__(self, path: Path | None = None,
                 load: Callable[[Path | None], settings.Settings] = settings.load) -> None:
        self.path = path
        self._load = load

    def _settings(self) -> settings.Settings:
        return self._load(self.path)

    def runs(self, connection: str, table: str) -> list[Entry]:
        """The table's runs on this connection, newest first."""
        doc = self._settings()
        return [e for e in _entries(doc.extra.get("history"))
                if e.connection == connection and e.table == table]

    def saved(self, connection: str, table: str) -> list[Entry]:
        doc = self._settings()
        return sorted((e for e in _entries(doc.extra.get("saved_queries"))
                       if e.connection == connection and e.table == table),
                      key=lambda e: e.name.lower())

    def record(self, entry: Entry) -> None:
        """Put a run first in its table's history (an identical earlier run moves up)."""
        doc = self._settings()
        runs = [e for e in _entries(doc.extra.get("history")) if not e.same_query(entry)]
        runs.insert(0, entry)
        per_table: dict[tuple[str, str], int] = {}
        kept = []
        for e in runs:
            key = (e.connection, e.table)
            per_table[key] = per_table.get(key, 0) + 1
            if per_table[key] <= HISTORY_PER_TABLE:
                kept.append(e)
        doc.extra["history"] = [asdict(e) for e in kept]
        settings.save(doc, self.path)

    def save_query(self, name: str, entry: Entry) -> Entry:
        """Name a query; a saved query of the same name on that table is replaced."""
        name = name.strip()
        if not name:
            raise DynascopeError("A saved query needs a name.")
        named = Entry(entry.connection, entry.table, entry.kind, entry.state, entry.summary,
                      name=name)
        doc = self._settings()
        others = [e for e in _entries(doc.extra.get("saved_queries"))
                  if (e.connection, e.table, e.name) != (named.connection, named.table, name)]
        doc.extra["saved_queries"] = [asdict(e) for e in [*others, named]]
        settings.save(doc, self.path)
        return named

    def delete_saved(self, connection: str, table: str, name: str) -> None:
        doc = self._settings()
        doc.extra["saved_queries"] = [
            asdict(e) for e in _entries(doc.extra.get("saved_queries"))
            if (e.connection, e.table, e.name) != (connection, table, name)]
        settings.save(doc, self.path)

"""Saved connections (and later history, bookmarks) in a versioned JSON file; no secrets."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.connections import KINDS, ConnectionProfile, new_id
from app.errors import SettingsError

SCHEMA_VERSION = 1
FILE_NAME = "settings.json"

#: ConnectionProfile fields written to the file. A new field must be added here or to
#: NEVER_SAVED (a test checks), so nothing reaches the file by accident.
SAVED_FIELDS = ("id", "name", "kind", "region", "endpoint_url", "profile_name",
                "read_only", "production", "color")
NEVER_SAVED = ("credentials",)

# Key names that must never appear in the file, whatever a future field is called.
_SECRET_KEYS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token",
                "access_key_id", "secret_access_key", "session_token", "credentials",
                "secret", "password", "token")


def default_path() -> Path:
    """$XDG_CONFIG_HOME/dynascope/settings.json, or ~/.config/dynascope/settings.json."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "dynascope" / FILE_NAME


@dataclass
class Settings:
    """Everything the file holds. `extra` keeps top-level sections this version does not
    manage (history, bookmarks ...) so that saving never drops them; `unreadable` keeps
    connection entries that could not be read, written back unchanged."""

    connections: list[ConnectionProfile] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    unreadable: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def connection(self, connection_id: str) -> ConnectionProfile | None:
        return next((c for c in self.connections if c.id == connection_id), None)

    def put(self, profile: ConnectionProfile) -> None:
        """Add `profile`, or replace the saved one with the same id."""
        for i, saved in enumerate(self.connections):
            if saved.id == profile.id:
                self.connections[i] = profile
                return
        self.connections.append(profile)

    def remove(self, connection_id: str) -> None:
        self.connections = [c for c in self.connections if c.id != connection_id]


# --- migrations: MIGRATIONS[n] turns a version-n document into version n+1 ----------------

def _from_0(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 0 (unversioned): connections as the first releases wrote them, with
    `type`/`profile`/`endpoint`/`readonly`/`colour` keys, no ids, no production flag."""
    kinds = {"aws-profile": "profile", "profile": "profile", "default": "default",
             "default-chain": "default", "endpoint": "endpoint", "local": "endpoint",
             "sandbox": "sandbox"}
    out = {k: v for k, v in doc.items() if k not in ("connections", "schema_version")}
    connections = []
    for old in doc.get("connections", []):
        if not isinstance(old, dict):
            connections.append(old)
            continue
        kind = old.get("kind") or kinds.get(old.get("type", ""), old.get("type"))
        connections.append({
            "id": new_id(),
            "name": old.get("name", ""),
            "kind": kind,
            "region": old.get("region", "us-east-1"),
            "endpoint_url": old.get("endpoint_url", old.get("endpoint")),
            "profile_name": old.get("profile_name", old.get("profile")),
            "read_only": bool(old.get("read_only", old.get("readonly", False))),
            "production": False,
            "color": old.get("color", old.get("colour", "")),
        })
    out["connections"] = connections
    out["schema_version"] = 1
    return out


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_0}


def migrate(doc: dict[str, Any]) -> dict[str, Any]:
    """Bring a document of any older version up to SCHEMA_VERSION, one step at a time."""
    version = doc.get("schema_version", 0)
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        if doc.get("schema_version") != version + 1:
            raise AssertionError(f"migration from {version} did not reach {version + 1}")
        version += 1
    return doc


# --- reading --------------------------------------------------------------------------------

def _backup(path: Path) -> Path:
    """A copy of the damaged file beside it (an identical earlier copy is reused)."""
    content = path.read_bytes()
    for earlier in sorted(path.parent.glob(f"{path.name}.broken-*")):
        with contextlib.suppress(OSError):
            if earlier.read_bytes() == content:
                return earlier
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.broken-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.broken-{stamp}-{n}")
    shutil.copy2(path, target)
    return target


def _read(path: Path) -> dict[str, Any] | None:
    """The raw document, None when there is no file; a damaged file is backed up first."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SettingsError(f"Your saved connections could not be read from {path}: "
                            f"{exc.strerror}.", "Check the file's permissions.") from exc
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("the top level is not an object")
        version = doc.get("schema_version", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise ValueError(f"schema_version {version!r} is not a version number")
    except ValueError as exc:
        backup = _backup(path)
        raise SettingsError(
            f"Your saved connections in {path} are damaged ({exc}) and were not loaded.",
            f"A copy was kept at {backup}; Dynascope starts with no saved connections "
            "and writes a new file when you save one.", backup=str(backup)) from exc
    return doc


def _newer(version: int, path: Path) -> SettingsError:
    return SettingsError(
        f"Your saved connections in {path} were written by a newer Dynascope (settings "
        f"version {version}; this one reads up to {SCHEMA_VERSION}).",
        "Update Dynascope. The file was left untouched.")


def profile_from_dict(entry: dict[str, Any]) -> ConnectionProfile:
    """A saved entry as a profile; ValueError when it cannot be one."""
    if not isinstance(entry, dict):
        raise ValueError("the entry is not an object")
    if entry.get("kind") not in KINDS:
        raise ValueError(f"unknown kind {entry.get('kind')!r}")
    if not entry.get("name"):
        raise ValueError("the entry has no name")
    values = {k: entry[k] for k in SAVED_FIELDS if k in entry and entry[k] is not None}
    for flag in ("read_only", "production"):
        values[flag] = bool(values.get(flag, False))
    values.setdefault("id", new_id())
    return ConnectionProfile(**values)


def profile_to_dict(profile: ConnectionProfile) -> dict[str, Any]:
    """Only the SAVED_FIELDS: an endpoint's access key never leaves memory."""
    return {name: getattr(profile, name) for name in SAVED_FIELDS}


def load(path: Path | None = None) -> Settings:
    """The saved settings; empty when there is no file yet.

    Raises `SettingsError` for a damaged file (after keeping a copy beside it) and for a
    file from a newer version (left untouched).
    """
    path = path or default_path()
    doc = _read(path)
    if doc is None:
        return Settings()
    version = doc.get("schema_version", 0)
    if version > SCHEMA_VERSION:
        raise _newer(version, path)
    doc = migrate(doc)
    settings = Settings(extra={k: v for k, v in doc.items()
                               if k not in ("schema_version", "connections")})
    entries = doc.get("connections", [])
    if not isinstance(entries, list):
        settings.problems.append("The saved connections are not a list; none were loaded.")
        settings.unreadable = [entries]
        return settings
    for n, entry in enumerate(entries, 1):
        try:
            settings.connections.append(profile_from_dict(entry))
        except (ValueError, TypeError) as exc:
            settings.unreadable.append(entry)
            settings.problems.append(f"Saved connection {n} was skipped: {exc}.")
    return settings


# --- writing --------------------------------------------------------------------------------

def _scrub_check(doc: dict[str, Any], entries: list[dict[str, Any]],
                 secrets: list[str]) -> None:
    """Refuse to write a document holding a secret value, or entries with a
    secret-looking key."""
    text = json.dumps(doc)
    for value in secrets:
        # Short values ("test") could match a name by chance; real keys are 20-40+ chars.
        if len(value) >= 12 and value in text:
            raise SettingsError("Not saved: a secret would have been written to the "
                                "settings file.", "This is a bug in Dynascope; please report it.")

    for entry in entries:
        for k in entry:
            if any(s in k.lower() for s in _SECRET_KEYS):
                raise SettingsError(f"Not saved: the settings would hold a {k!r} field.",
                                    "Secrets are never saved; this is a bug in Dynascope.")


def _document(settings: Settings) -> dict[str, Any]:
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    doc.update({k: v for k, v in settings.extra.items()
                if k not in ("schema_version", "connections")})
    entries = [profile_to_dict(p) for p in settings.connections]
    doc["connections"] = entries + list(settings.unreadable)
    secrets = [v for p in settings.connections if p.credentials
               for v in (p.credentials.secret_access_key, p.credentials.session_token,
                         p.credentials.access_key_id) if v]
    _scrub_check(doc, entries, secrets)
    return doc


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically (a temporary file, then os.replace), readable by the user only.

    Never overwrites a file from a newer version; a damaged file is backed up first.
    """
    path = path or default_path()
    doc = _document(settings)
    if path.exists():
        try:
            current = _read(path)
        except SettingsError as exc:
            if not exc.backup:  # unreadable, not damaged: do not write over it
                raise
        else:
            version = (current or {}).get("schema_version", 0)
            if version > SCHEMA_VERSION:
                raise _newer(version, path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


__all__ = ["FILE_NAME", "MIGRATIONS", "SCHEMA_VERSION", "Settings", "default_path", "load",
           "migrate", "profile_from_dict", "profile_to_dict", "save"]

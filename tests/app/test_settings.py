"""Saved connections: versioned JSON, atomic writes, migrations, and never a secret."""

from __future__ import annotations

import json
import stat
from dataclasses import fields
from pathlib import Path

import pytest

from app import settings
from app.connections import ConnectionProfile, EndpointKeys
from app.errors import SettingsError

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "dynascope" / "settings.json"


def _profiles() -> list[ConnectionProfile]:
    return [
        ConnectionProfile(name="prod", kind="profile", profile_name="prod-admin",
                          region="eu-west-1", read_only=True, production=True, color="#c00"),
        ConnectionProfile(name="local", kind="endpoint", endpoint_url="http://127.0.0.1:8000",
                          region="us-east-1",
                          credentials=EndpointKeys(ACCESS_KEY, SECRET, TOKEN)),
        ConnectionProfile(name="env", kind="default", region="ap-south-1"),
    ]


def test_connections_round_trip_with_their_ids(path: Path) -> None:
    saved = settings.Settings(connections=_profiles(), extra={"history": ["q1"]})
    settings.save(saved, path)
    loaded = settings.load(path)
    assert [p.id for p in loaded.connections] == [p.id for p in saved.connections]
    assert loaded.connections[0] == saved.connections[0]
    assert loaded.connections[0].production and loaded.connections[0].read_only
    assert loaded.extra == {"history": ["q1"]}
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == settings.SCHEMA_VERSION == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left


def test_no_key_secret_or_token_ever_reaches_the_file(path: Path) -> None:
    profiles = _profiles()
    settings.save(settings.Settings(connections=profiles), path)
    text = path.read_text(encoding="utf-8")
    for secret in (ACCESS_KEY, SECRET, TOKEN):
        assert secret not in text
    for word in ("credentials", "secret", "token", "access_key"):
        assert word not in text.lower()
    assert profiles[1].credentials is not None  # still held in memory for the session
    loaded = settings.load(path).connection(profiles[1].id)
    assert loaded is not None and loaded.credentials is None
    assert loaded.endpoint_url == "http://127.0.0.1:8000"


def test_every_profile_field_is_either_saved_or_declared_secret() -> None:
    names = {f.name for f in fields(ConnectionProfile)}
    assert names == set(settings.SAVED_FIELDS) | set(settings.NEVER_SAVED)
    assert not set(settings.SAVED_FIELDS) & set(settings.NEVER_SAVED)


def test_a_version_0_file_is_migrated(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_text("""{
  "connections": [
    {"name": "Dev", "type": "aws-profile", "profile": "dev", "region": "eu-west-1",
     "readonly": true, "colour": "#0a0"},
    {"name": "Local", "type": "local", "endpoint": "http://localhost:8000"},
    {"name": "Chain", "type": "default-chain", "region": "us-west-2"}
  ],
  "bookmarks": [{"table": "orders"}]
}""", encoding="utf-8")
    loaded = settings.load(path)
    dev, local, chain = loaded.connections
    assert (dev.kind, dev.profile_name, dev.read_only, dev.color) == ("profile", "dev", True,
                                                                      "#0a0")
    assert (local.kind, local.endpoint_url, local.region) == ("endpoint",
                                                              "http://localhost:8000",
                                                              "us-east-1")
    assert (chain.kind, chain.region, chain.production) == ("default", "us-west-2", False)
    assert len({dev.id, local.id, chain.id}) == 3
    assert loaded.extra == {"bookmarks": [{"table": "orders"}]}
    settings.save(loaded, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and doc["bookmarks"] == [{"table": "orders"}]
    assert [c["id"] for c in doc["connections"]] == [dev.id, local.id, chain.id]


def test_every_old_version_has_a_migration_step() -> None:
    assert set(settings.MIGRATIONS) == set(range(settings.SCHEMA_VERSION))
    assert settings.migrate({"connections": []})["schema_version"] == settings.SCHEMA_VERSION


def test_a_newer_file_is_refused_and_left_untouched(path: Path) -> None:
    path.parent.mkdir(parents=True)
    original = b'{"schema_version": 7, "connections": [], "workspaces": {}}'
    path.write_bytes(original)
    with pytest.raises(SettingsError) as caught:
        settings.load(path)
    assert "newer Dynascope" in caught.value.message
    assert "version 7" in caught.value.message
    with pytest.raises(SettingsError):
        settings.save(settings.Settings(connections=_profiles()), path)
    assert path.read_bytes() == original
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]


@pytest.mark.parametrize("damaged", [b'{"schema_version": 1, "connections": [',
                                     b"[1, 2, 3]", b'{"schema_version": "one"}',
                                     b"\xff\xfe not utf-8"])
def test_a_damaged_file_is_kept_aside_and_not_overwritten_silently(path: Path,
                                                                    damaged: bytes) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(damaged)
    with pytest.raises(SettingsError) as caught:
        settings.load(path)
    backup = Path(caught.value.backup)
    assert backup.parent == path.parent and backup.name.startswith("settings.json.broken-")
    assert backup.read_bytes() == damaged
    assert str(backup) in caught.value.hint
    assert path.read_bytes() == damaged  # loading changed nothing
    settings.save(settings.Settings(connections=_profiles()[:1]), path)
    assert [p.name for p in settings.load(path).connections] == ["prod"]
    assert backup.read_bytes() == damaged  # the copy survives the new file
    assert len(list(path.parent.glob("settings.json.broken-*"))) == 1


def test_an_entry_that_cannot_be_read_is_kept(path: Path) -> None:
    path.parent.mkdir(parents=True)
    odd = {"id": "x1", "name": "Future", "kind": "cloud-shell"}
    path.write_text(json.dumps({"schema_version": 1, "connections": [
        {"id": "a1", "name": "Env", "kind": "default", "region": "eu-north-1"}, odd]}),
        encoding="utf-8")
    loaded = settings.load(path)
    assert [p.id for p in loaded.connections] == ["a1"]
    assert loaded.problems == ["Saved connection 2 was skipped: unknown kind 'cloud-shell'."]
    settings.save(loaded, path)
    assert json.loads(path.read_text(encoding="utf-8"))["connections"][1] == odd


def test_put_replaces_by_id_and_remove_deletes(path: Path) -> None:
    s = settings.Settings()
    first = ConnectionProfile(name="a", kind="default")
    s.put(first)
    s.put(ConnectionProfile(name="renamed", kind="default", id=first.id))
    s.put(first.duplicate())
    assert [p.name for p in s.connections] == ["renamed", "a (copy)"]
    s.remove(first.id)
    assert [p.name for p in s.connections] == ["a (copy)"]


def test_a_missing_file_is_empty_and_is_not_created(path: Path) -> None:
    assert settings.load(path).connections == []
    assert not path.exists()


def test_the_file_lives_in_the_users_config_dir(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert settings.default_path() == tmp_path / "xdg" / "dynascope" / "settings.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.default_path() == tmp_path / "home" / ".config" / "dynascope" / \
        "settings.json"
    settings.save(settings.Settings(connections=_profiles()))
    assert settings.load().connections[2].region == "ap-south-1"

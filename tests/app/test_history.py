"""History and saved queries: per table, newest first, capped, kept beside the connections."""

from __future__ import annotations

import json

import pytest

from app import settings
from app.connections import ConnectionProfile
from app.errors import DynascopeError
from app.history import HISTORY_PER_TABLE, Entry, History, connection_key


def _entry(n: int, table: str = "Orders", kind: str = "builder") -> Entry:
    return Entry(connection="sandbox:us-east-1", table=table, kind=kind,
                 state={"pk": f"user-{n:04d}"}, summary=f"Query {n}")


def test_runs_are_kept_newest_first_and_an_identical_run_moves_up(tmp_path):
    history = History(tmp_path / "settings.json")
    for n in (1, 2, 3):
        history.record(_entry(n))
    history.record(_entry(1))
    history.record(_entry(9, table="Users"))
    runs = history.runs("sandbox:us-east-1", "Orders")
    assert [e.summary for e in runs] == ["Query 1", "Query 3", "Query 2"]
    assert [e.summary for e in history.runs("sandbox:us-east-1", "Users")] == ["Query 9"]
    assert history.runs("endpoint:http://x:1:us-east-1", "Orders") == []


def test_history_is_capped_per_table(tmp_path):
    history = History(tmp_path / "settings.json")
    for n in range(HISTORY_PER_TABLE + 5):
        history.record(_entry(n))
    history.record(_entry(0, table="Users"))
    runs = history.runs("sandbox:us-east-1", "Orders")
    assert len(runs) == HISTORY_PER_TABLE
    assert runs[0].summary == f"Query {HISTORY_PER_TABLE + 4}"
    assert len(history.runs("sandbox:us-east-1", "Users")) == 1


def test_saved_queries_by_name(tmp_path):
    history = History(tmp_path / "settings.json")
    history.save_query("  big spenders ", _entry(1))
    history.save_query("recent", _entry(2, kind="partiql"))
    history.save_query("big spenders", _entry(3))  # same name: replaced
    saved = history.saved("sandbox:us-east-1", "Orders")
    assert [(e.name, e.summary) for e in saved] == [("big spenders", "Query 3"),
                                                    ("recent", "Query 2")]
    history.delete_saved("sandbox:us-east-1", "Orders", "recent")
    assert [e.name for e in history.saved("sandbox:us-east-1", "Orders")] == ["big spenders"]
    with pytest.raises(DynascopeError, match="needs a name"):
        history.save_query("   ", _entry(4))


def test_history_lives_in_the_versioned_settings_beside_the_connections(tmp_path):
    path = tmp_path / "settings.json"
    s = settings.Settings()
    s.put(ConnectionProfile(name="Local", kind="endpoint", endpoint_url="http://localhost:8000"))
    settings.save(s, path)
    History(path).record(_entry(1))
    doc = json.loads(path.read_text())
    assert doc["schema_version"] == settings.SCHEMA_VERSION
    assert [c["name"] for c in doc["connections"]] == ["Local"]
    assert doc["history"][0]["state"] == {"pk": "user-0001"}
    # Saving the connections again keeps the history.
    again = settings.load(path)
    settings.save(again, path)
    assert len(History(path).runs("sandbox:us-east-1", "Orders")) == 1


def test_entries_a_newer_version_wrote_differently_are_skipped(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 1, "connections": [],
                                "history": [{"kind": "graphql"}, "junk",
                                            {**_entry(5).__dict__}]}))
    assert [e.summary for e in History(path).runs("sandbox:us-east-1", "Orders")] == [
        "Query 5"]


def test_connection_keys_are_stable_across_runs():
    a = ConnectionProfile(name="Local sandbox", kind="sandbox",
                          endpoint_url="http://127.0.0.1:1111")
    b = ConnectionProfile(name="Local sandbox", kind="sandbox",
                          endpoint_url="http://127.0.0.1:2222")
    assert connection_key(a) == connection_key(b) == "sandbox:us-east-1"
    prod = ConnectionProfile(name="Prod", kind="profile", profile_name="prod",
                             region="eu-west-1")
    assert connection_key(prod) == "profile:prod:eu-west-1"

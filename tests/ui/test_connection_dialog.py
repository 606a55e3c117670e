"""The connection manager against moto's server, temporary AWS files and settings files."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import botocore.credentials
import botocore.tokens
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QDialog, QLineEdit, QMessageBox, QTabWidget, QWidget

from app import settings as settings_file
from app.connections import ConnectionProfile, EndpointKeys, connect
from ui import colors
from ui.connection_dialog import (
    KEYS_NOTE,
    PRODUCTION_TIP,
    ConnectionManager,
    SavedConnectionsPage,
    confirm_write,
    endpoint_url_problem,
    error_box,
)

REGION = "eu-west-1"  # the tests' own region on moto (tests/conftest.py TEST_REGION)
ACCESS_KEY = "AKIADIALOGTEST000001"
SECRET_KEY = "dialog/Secret+Key/never-on-disk-0001"
WAIT_MS = 15_000


# --- fixtures -----------------------------------------------------------------------------

@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "dynascope" / "settings.json"


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Writes a private AWS config and credentials file; the developer's are never read."""
    home = tmp_path / "home"
    home.mkdir()
    config, credentials = tmp_path / "aws_config", tmp_path / "aws_credentials"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # botocore fixed its SSO token cache directory at import: point it into the temp home.
    cache = str(home / ".aws" / "sso" / "cache")
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)

    def write(config_text: str, credentials_text: str = "") -> None:
        config.write_text(config_text, encoding="utf-8")
        credentials.write_text(credentials_text, encoding="utf-8")

    return write


@pytest.fixture
def open_manager(qtbot, qloop, settings_path):
    """Opens connection managers on the test's settings file; closes them afterwards."""
    opened: list[ConnectionManager] = []

    def open_(path: Path | None = None, **kwargs) -> ConnectionManager:
        kwargs.setdefault("session_keys", {})
        dialog = ConnectionManager(path or settings_path, **kwargs)
        dialog.show()
        opened.append(dialog)
        return dialog

    yield open_
    for dialog in opened:
        dialog.done(QDialog.DialogCode.Rejected)
        dialog.deleteLater()


def _type(qtbot, edit: QLineEdit, text: str) -> None:
    """Replace what the field holds, as the user would: select all and type."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Backspace)


def _set_kind(dialog: ConnectionManager, kind: str) -> None:
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(kind))


def _add_endpoint(qtbot, dialog: ConnectionManager, name: str, url: str,
                  keys: tuple[str, str] | None = None) -> None:
    dialog.add_button.click()
    _set_kind(dialog, "endpoint")
    _type(qtbot, dialog.name_edit, name)
    _type(qtbot, dialog.url_edit, url)
    _type(qtbot, dialog.region_edit, REGION)
    if keys:
        _type(qtbot, dialog.access_key_edit, keys[0])
        _type(qtbot, dialog.secret_edit, keys[1])


def _labels(dialog: ConnectionManager) -> list[str]:
    return [dialog.list.item(i).text().split("\n")[0] for i in range(dialog.list.count())]


def _message_button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _make_table(ddb, name: str) -> None:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


# --- endpoint connections -----------------------------------------------------------------

def test_an_endpoint_is_tested_saved_without_its_keys_and_listed_again(
        qtbot, open_manager, settings_path, moto_endpoint, ddb, table_name):
    _make_table(ddb, table_name)
    keys: dict[str, EndpointKeys] = {}
    dialog = open_manager(session_keys=keys)
    assert dialog.list.count() == 0 and dialog.empty_hint.isVisible()
    _add_endpoint(qtbot, dialog, "moto", moto_endpoint, (ACCESS_KEY, SECRET_KEY))
    assert dialog.keys_note.isVisible() and dialog.keys_note.text() == KEYS_NOTE
    assert "memory for this session only" in KEYS_NOTE and "never written" in KEYS_NOTE
    assert "each access key and region" in KEYS_NOTE

    dialog.test_button.click()
    assert dialog.result_text == "Testing…"
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    tables = len(ddb.list_tables()["TableNames"])
    assert re.fullmatch(rf"Connected in {REGION}, {tables} tables?\.", dialog.result_text)
    assert not dialog.copy_command_button.isVisible()

    dialog.save_button.click()
    assert "Saved moto" in dialog.result_text
    text = settings_path.read_text(encoding="utf-8")
    assert ACCESS_KEY not in text and SECRET_KEY not in text and "secret" not in text.lower()
    saved = settings_file.load(settings_path).connections
    assert [(c.name, c.kind, c.endpoint_url, c.region, c.credentials) for c in saved] == [
        ("moto", "endpoint", moto_endpoint, REGION, None)]
    dialog.done(QDialog.DialogCode.Accepted)

    again = open_manager(session_keys=keys)  # the same session: the keys are still known
    assert _labels(again) == ["moto"]
    assert again.url_edit.text() == moto_endpoint
    assert again.access_key_edit.text() == ACCESS_KEY
    assert not again.has_unsaved_changes()
    later = open_manager()  # a new session: keys are nowhere to be read from
    assert _labels(later) == ["moto"] and later.access_key_edit.text() == ""


def test_duplicate_makes_a_copy_with_a_new_id_and_delete_asks_first(
        qtbot, open_manager, settings_path, moto_endpoint):
    dialog = open_manager()
    _add_endpoint(qtbot, dialog, "moto", moto_endpoint)
    assert dialog.save()
    original = dialog.current()

    dialog.duplicate_button.click()
    copy = dialog.current()
    assert copy.id != original.id and copy.name == "moto (copy)"
    assert (copy.endpoint_url, copy.region) == (moto_endpoint, REGION)
    assert _labels(dialog) == ["moto", "moto (copy)"]
    assert "not saved" in dialog.list.item(1).text()
    dialog.save_button.click()
    ids = [c.id for c in settings_file.load(settings_path).connections]
    assert ids == [original.id, copy.id]

    dialog.select(original.id)
    dialog.delete_button.click()
    box = dialog.confirm_box
    assert box is not None and "moto" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert [c.id for c in settings_file.load(settings_path).connections] == ids

    dialog.delete_button.click()
    _message_button(dialog.confirm_box, "Delete").click()
    assert [c.id for c in settings_file.load(settings_path).connections] == [copy.id]
    assert _labels(dialog) == ["moto (copy)"]
    assert dialog.current().id == copy.id


def test_an_endpoint_that_is_down_reads_as_a_sentence_and_the_dialog_goes_on(
        qtbot, open_manager, moto_endpoint):
    dialog = open_manager()
    down = f"http://127.0.0.1:{_free_port()}"
    _add_endpoint(qtbot, dialog, "nothing here", down)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    assert f"nothing answers at {down}" in dialog.result_text
    assert "Check that the endpoint is running" in dialog.result_text
    assert dialog.result_label.property("ok") is False
    assert not dialog.copy_command_button.isVisible()

    _type(qtbot, dialog.url_edit, moto_endpoint)  # fix it and try again
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    assert dialog.result_text.startswith(f"Connected in {REGION}")


def test_connect_hands_over_the_typed_keys_and_closes(qtbot, open_manager, moto_endpoint):
    dialog = open_manager()
    _add_endpoint(qtbot, dialog, "local", moto_endpoint, (ACCESS_KEY, SECRET_KEY))
    with qtbot.waitSignal(dialog.connectRequested, timeout=WAIT_MS) as signal:
        dialog.connect_button.click()
    profile = signal.args[0]
    assert isinstance(profile, ConnectionProfile)
    assert (profile.name, profile.kind, profile.endpoint_url) == ("local", "endpoint",
                                                                   moto_endpoint)
    assert profile.credentials == EndpointKeys(ACCESS_KEY, SECRET_KEY)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()


def test_a_bad_form_shows_its_errors_by_the_fields_and_saves_nothing(
        qtbot, open_manager, settings_path, aws_files):
    aws_files("[profile keys]\nregion = us-west-2\n",
              "[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
    settings_file.save(settings_file.Settings(connections=[ConnectionProfile(
        name="Old", kind="profile", profile_name="gone", region="")]), settings_path)
    before = settings_path.read_bytes()
    dialog = open_manager()
    assert dialog.profile_combo.currentText() == "gone  —  not in your AWS config files"

    _type(qtbot, dialog.name_edit, "")
    with qtbot.assertNotEmitted(dialog.connectRequested):
        dialog.connect_button.click()
    errors = dialog.errors()
    assert errors.keys() == {"name", "profile"}
    assert "name" in errors["name"] and "no AWS profile named 'gone'" in errors["profile"]
    assert dialog.isVisible()
    dialog.save_button.click()
    assert dialog.result_text.startswith("Not saved")

    _set_kind(dialog, "endpoint")
    _type(qtbot, dialog.name_edit, "Local")
    for url, problem in (("localhost:8000", "must start with http:// or https://"),
                         ("http://", "has no host name"),
                         ("http://localhost:80x0", "not a valid URL")):
        _type(qtbot, dialog.url_edit, url)
        _type(qtbot, dialog.access_key_edit, ACCESS_KEY)
        dialog.save_button.click()
        assert dialog.errors().keys() == {"url", "secret"}
        assert problem in dialog.errors()["url"]
        assert "secret key" in dialog.errors()["secret"]
        assert dialog.errors()["url"] in dialog.findChild(QWidget, "urlError").text()
    assert settings_path.read_bytes() == before


@pytest.mark.parametrize(("url", "ok"), [
    ("http://localhost:8000", True), ("https://dynamodb.eu-west-1.amazonaws.com", True),
    ("http://[::1]:8000", True), ("ftp://host", False), ("http:///path", False),
    ("", False), ("http://local host:8000", False),
])
def test_endpoint_urls_need_http_and_a_host(url, ok):
    assert (endpoint_url_problem(url) == "") is ok


# --- AWS profiles -------------------------------------------------------------------------

SSO_CONFIG = """
[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Reader
region = eu-central-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[profile keys]
region = us-west-2
"""


def test_an_sso_profile_without_a_token_offers_the_login_command(
        qtbot, open_manager, aws_files):
    aws_files(SSO_CONFIG, "[keys]\naws_access_key_id = AKIAEXAMPLEKEY\n"
                          "aws_secret_access_key = example\n")
    dialog = open_manager()
    dialog.add_button.click()
    assert dialog.kind_combo.currentData() == "profile"
    combo = dialog.profile_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "dev  —  IAM Identity Center (SSO) · eu-central-1",
        "keys  —  access keys · us-west-2"]
    assert dialog.region_edit.text() == "eu-central-1"
    combo.setCurrentIndex(1)
    assert dialog.region_edit.text() == "us-west-2"  # the profile's region, editable
    combo.setCurrentIndex(0)
    assert dialog.region_edit.text() == "eu-central-1"
    assert "aws sso login --profile dev" in dialog.profile_info.text()
    _type(qtbot, dialog.name_edit, "Dev")

    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.testing, timeout=WAIT_MS)
    assert "sign-in is missing or has expired" in dialog.result_text
    assert "Run `aws sso login --profile dev`" in dialog.result_text
    assert dialog.copy_command_button.isVisible()
    QGuiApplication.clipboard().clear()
    dialog.copy_command_button.click()
    assert QGuiApplication.clipboard().text() == "aws sso login --profile dev"
    assert dialog.copy_command_button.text() == "Copied"

    assert dialog.save()  # the profile exists: it saves (by name only)
    assert dialog.current().profile_name == "dev"


def test_flags_and_colours_survive_saving_and_loading(qtbot, open_manager, settings_path,
                                                      moto_endpoint):
    dialog = open_manager()
    assert "before every write" in dialog.production_check.toolTip()
    assert dialog.production_check.toolTip() == PRODUCTION_TIP
    _add_endpoint(qtbot, dialog, "prod", moto_endpoint)
    dialog.read_only_check.click()
    dialog.production_check.click()
    red = dict(colors.PALETTE)["Red"]
    dialog.findChild(QWidget, "swatchRed").click()
    assert dialog.color == red
    assert dialog.save()

    _add_endpoint(qtbot, dialog, "custom", moto_endpoint)
    dialog.custom_color_button.click()
    picker = dialog.color_dialog
    assert picker is not None and picker.isVisible()
    picker.setCurrentColor(QColor("#123abc"))
    picker.accept()
    assert dialog.color == "#123abc" and dialog.custom_swatch.isChecked()
    assert dialog.save()

    saved = {c.name: c for c in settings_file.load(settings_path).connections}
    assert (saved["prod"].read_only, saved["prod"].production, saved["prod"].color) == (
        True, True, red)
    assert (saved["custom"].read_only, saved["custom"].production, saved["custom"].color) == (
        False, False, "#123abc")

    again = open_manager()
    assert _labels(again) == ["prod", "custom"]
    assert "read-only · production" in again.list.item(0).text()
    assert again.read_only_check.isChecked() and again.production_check.isChecked()
    assert again.findChild(QWidget, "swatchRed").isChecked()
    again.list.setCurrentRow(1)
    assert not again.read_only_check.isChecked() and not again.production_check.isChecked()
    assert again.custom_swatch.isVisible() and again.custom_swatch.isChecked()
    assert again.color == "#123abc"


# --- a settings file that cannot be used --------------------------------------------------

def test_a_damaged_settings_file_is_reported_with_its_backup_and_left_alone(
        open_manager, settings_path):
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text('{"schema_version": 1, "connections": [', encoding="utf-8")
    before = settings_path.read_bytes()
    dialog = open_manager()
    assert dialog.list.count() == 0
    assert dialog.banner.isVisible()
    backup = re.search(r"A copy was kept at (\S+);", dialog.banner.text()).group(1)
    assert Path(backup).read_bytes() == before
    assert "damaged" in dialog.banner.text()
    assert settings_path.read_bytes() == before


def test_a_newer_settings_file_is_never_overwritten(qtbot, open_manager, settings_path,
                                                    moto_endpoint):
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text(json.dumps({"schema_version": 99, "connections": []}),
                             encoding="utf-8")
    before = settings_path.read_bytes()
    dialog = open_manager()
    assert "newer Dynascope" in dialog.banner.text()
    _add_endpoint(qtbot, dialog, "moto", moto_endpoint)
    assert not dialog.save()
    assert dialog.result_text.startswith("Not saved") and "newer" in dialog.result_text
    assert settings_path.read_bytes() == before


def test_saving_keeps_what_others_wrote_to_the_file_meanwhile(qtbot, open_manager,
                                                              settings_path, moto_endpoint):
    dialog = open_manager()
    _add_endpoint(qtbot, dialog, "mine", moto_endpoint)
    other = settings_file.load(settings_path)  # e.g. the query history, written meanwhile
    other.extra["history"] = [{"table": "Orders", "kind": "partiql"}]
    other.put(ConnectionProfile(name="theirs", kind="default", region=REGION))
    settings_file.save(other, settings_path)
    assert dialog.save()
    after = settings_file.load(settings_path)
    assert after.extra["history"] == [{"table": "Orders", "kind": "partiql"}]
    assert [c.name for c in after.connections] == ["theirs", "mine"]


def test_closing_with_unsaved_changes_asks_first(qtbot, open_manager, moto_endpoint):
    dialog = open_manager()
    _add_endpoint(qtbot, dialog, "draft", moto_endpoint)
    dialog.close_button.click()
    box = dialog.confirm_box
    assert box is not None and "draft" in box.text() and dialog.isVisible()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.isVisible()
    dialog.close_button.click()
    _message_button(dialog.confirm_box, "Discard changes").click()
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Rejected


# --- the start page, prompts and colours for the main window -------------------------------

def test_the_start_page_lists_saved_connections_and_connects(qtbot, qloop, settings_path,
                                                             moto_endpoint):
    page = SavedConnectionsPage()
    qtbot.addWidget(page)
    assert page.reload(settings_path) == 0 and not page.connect_button.isEnabled()
    profile = ConnectionProfile(name="moto", kind="endpoint", region=REGION,
                                endpoint_url=moto_endpoint, color="#2e9d5b", read_only=True)
    settings_file.save(settings_file.Settings(connections=[profile]), settings_path)
    assert page.reload(settings_path) == 1
    assert page.list.item(0).text() == f"moto\n{moto_endpoint} · {REGION} · read-only"
    with qtbot.waitSignal(page.connectRequested, timeout=WAIT_MS) as signal:
        page.connect_button.click()
    assert signal.args[0] == profile and signal.args[0].id == profile.id


def test_a_production_write_waits_for_confirmation(qtbot, qloop, moto_endpoint):
    parent = QWidget()
    qtbot.addWidget(parent)
    conn = connect(ConnectionProfile(name="Prod", kind="endpoint", region=REGION,
                                     endpoint_url=moto_endpoint, production=True))
    sent: list[str] = []
    assert confirm_write(parent, conn, "scan", {}, lambda: sent.append("scan")) is None
    assert sent == ["scan"]  # a read is not asked about
    box = confirm_write(parent, conn, "ExecuteStatement", {"Statement": "DELETE FROM t"},
                        lambda: sent.append("delete"), "this statement")
    assert box is not None and "Prod is marked as production" in box.text()
    assert sent == ["scan"]
    _message_button(box, "Send to Prod").click()
    assert sent == ["scan", "delete"]
    box = confirm_write(parent, conn, "put_item", {}, lambda: sent.append("put"))
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert sent == ["scan", "delete"]


def test_an_error_box_copies_its_command(qtbot, qloop):
    parent = QWidget()
    qtbot.addWidget(parent)
    box = error_box(parent, "Your sign-in expired.", "Run it.", "aws sso login --profile x")
    QGuiApplication.clipboard().clear()
    _message_button(box, "Copy command").click()
    assert QGuiApplication.clipboard().text() == "aws sso login --profile x"
    plain = error_box(parent, "Nothing answers.", "Start it.")
    assert [b.text() for b in plain.buttons()] == ["OK"]
    plain.done(0)


def test_tabs_and_tree_icons_carry_the_connection_colour(qtbot, qloop):
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    tabs.addTab(QWidget(), "Details")
    tabs.addTab(QWidget(), "Items")
    colors.tint_tabs(tabs, "#D13B3B", "Prod")
    assert tabs.property("connectionColor") == "#d13b3b"
    assert all(not tabs.tabIcon(i).isNull() for i in range(2))
    assert tabs.tabToolTip(1) == "Connection: Prod" and "#d13b3b" in tabs.styleSheet()
    colors.tint_tabs(tabs, "")
    assert tabs.tabIcon(0).isNull() and tabs.styleSheet() == ""
    image = colors.swatch_icon("#2e9d5b", 16).pixmap(16, 16).toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).name() == "#2e9d5b"
    base = colors.swatch_icon("", 16)
    assert colors.badged_icon(base, "").cacheKey() == base.cacheKey()
    assert colors.badged_icon(base, "#2e9d5b").cacheKey() != base.cacheKey()
    assert colors.row_tint("nonsense") is None and colors.row_tint("#2e9d5b").alpha() < 80

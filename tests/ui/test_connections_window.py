"""Saved connections in the main window: start page, manager, colours, production, commands."""

from __future__ import annotations

import botocore.credentials
import botocore.tokens
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app import settings as settings_file
from app.connections import ConnectionProfile
from ui.catalog_tree import KIND_ROLE
from ui.connection_dialog import ConnectionManager

REGION = "eu-west-1"
WAIT_MS = 20_000


def _save(path, *profiles):
    settings_file.save(settings_file.Settings(connections=list(profiles)), path)


def _table(ddb, name):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


def test_saved_connections_replace_the_welcome_page_and_connect(window, qtbot, tmp_path,
                                                                 moto_endpoint):
    assert window.pages.currentWidget() is window.welcome  # nothing saved yet
    profile = ConnectionProfile(name="moto", kind="endpoint", region=REGION,
                                endpoint_url=moto_endpoint, color="#d13b3b", read_only=True)
    _save(tmp_path / "settings.json", profile)
    window.manage_connections()
    dialog = window.connection_dialog
    assert isinstance(dialog, ConnectionManager) and dialog.isVisible()
    assert dialog.current().id == profile.id
    dialog.connect_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=WAIT_MS)
    conn = window.model.index(0, 0)
    qtbot.waitUntil(lambda: "loading" not in conn.data(), timeout=WAIT_MS)
    assert conn.data() == f"moto · {REGION}  [read-only]"
    assert conn.data(Qt.ItemDataRole.BackgroundRole).name() == "#d13b3b"
    assert "read-only" in conn.data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: window.connection_dialog is None, timeout=WAIT_MS)
    assert window.start_page.list.count() == 1


def test_start_page_at_startup_and_tabs_in_the_connection_colour(qtbot, qloop, tmp_path,
                                                                  moto_endpoint, ddb,
                                                                  table_name):
    from ui.main_window import MainWindow

    _table(ddb, table_name)
    profile = ConnectionProfile(name="prod", kind="endpoint", region=REGION,
                                endpoint_url=moto_endpoint, color="#2e9d5b", production=True)
    _save(tmp_path / "settings.json", profile)
    win = MainWindow(sandbox_region="eu-north-1", settings_path=tmp_path / "settings.json")
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.pages.currentWidget() is win.start_page
        win.start_page.connect_button.click()
        index = win.model.index(0, 0)
        qtbot.waitUntil(lambda: win.model.find_table(0, table_name).isValid(),
                        timeout=WAIT_MS)
        assert "[production]" in index.data()
        win.tree.setCurrentIndex(win.model.find_table(0, table_name))
        qtbot.waitUntil(lambda: win.pages.currentWidget() is win.table_tabs, timeout=WAIT_MS)
        assert win.table_tabs.property("connectionColor") == "#2e9d5b"
        assert win.readers.property("connectionColor") == "#2e9d5b"
        assert not win.table_tabs.tabIcon(0).isNull()
        # a PartiQL write asks first on a production connection
        request = {"Statement": f'INSERT INTO "{table_name}" VALUE {{\'pk\': \'a\'}}'}
        win.run_statement(request)
        box = next(b for b in win.findChildren(QMessageBox)
                   if b.objectName() == "productionConfirmBox" and b.isVisible())
        box.button(QMessageBox.StandardButton.Cancel).click()
        assert ddb.scan(TableName=table_name)["Count"] == 0
    finally:
        win.shutdown()


def test_an_sso_failure_in_the_tree_offers_the_command(window, qtbot, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "aws_config"
    config.write_text("[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
                      "sso_role_name = R\nregion = eu-west-1\n[sso-session corp]\n"
                      "sso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    cache = str(home / "sso")
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", cache)
    conn = window.add_connection(ConnectionProfile(name="dev", kind="profile",
                                                   profile_name="dev", region=""))
    qtbot.waitUntil(lambda: window.model.rowCount(conn) == 1, timeout=WAIT_MS)
    message = window.model.index(0, 0, conn)
    assert message.data(KIND_ROLE) == "message"
    window.tree.setCurrentIndex(message)
    assert window.copy_command_button.isVisible()
    window.copy_command_button.click()
    assert QGuiApplication.clipboard().text() == "aws sso login --profile dev"


def test_an_error_with_a_command_gets_a_copy_button(window):
    from app.errors import SignInRequired

    window._report_failure(SignInRequired("Expired.", "Run it.", command="aws login"))
    box = next(b for b in window.findChildren(QMessageBox) if b.objectName() == "errorBox")
    assert "Copy command" in [b.text() for b in box.buttons()]
    box.done(0)



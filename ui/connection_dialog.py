"""The connection manager dialog, the saved-connections start page, and write/error prompts."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import settings as settings_file
from app.aws_config import AwsProfile, config_files, list_profiles
from app.connections import (
    ENDPOINT_KEYS_NOTE,
    Connection,
    ConnectionCheck,
    ConnectionProfile,
    EndpointKeys,
    Kind,
    check_connection,
    connect,
    run_blocking,
)
from app.errors import DynascopeError, SettingsError
from app.settings import Settings
from ui import colors
from ui.tasks import Tasks, user_message

KIND_LABELS: dict[str, str] = {
    "profile": "AWS profile",
    "default": "Default credential chain",
    "endpoint": "Custom endpoint",
    "sandbox": "Local sandbox",
}

#: Keys typed for endpoint connections, by connection id: in memory for this run of the
#: app only (never written anywhere), so reopening the dialog still has them.
SESSION_KEYS: dict[str, EndpointKeys] = {}

#: A Test should answer quickly: an endpoint that is down is not retried for long.
TEST_MAX_ATTEMPTS = 2

KEYS_NOTE = (f"{ENDPOINT_KEYS_NOTE} They are never written to the settings file."
             if "never" not in ENDPOINT_KEYS_NOTE else ENDPOINT_KEYS_NOTE)

SANDBOX_NOTE = ("A DynamoDB-compatible server with five demo tables that Dynascope starts "
                "on 127.0.0.1 when you connect. Its data lives in memory and is rebuilt at "
                "each start, so nothing you do there reaches AWS.")

DEFAULT_NOTE = ("Signs in the way the AWS CLI does without a profile: environment variables "
                "(AWS_ACCESS_KEY_ID…, AWS_PROFILE), then the default profile, container or "
                "instance roles.")

PRODUCTION_TIP = ("Production: Dynascope asks for confirmation before every write on this "
                  "connection.")
READ_ONLY_TIP = ("Read-only: every write is refused before it is sent, whatever the "
                 "credentials allow.")

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "sa-east-1", "mx-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
    "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "il-central-1",
    "me-south-1", "me-central-1", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-7", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
)

_ERROR_STYLE = "color: #b3261e;"
_OK_STYLE = "color: #1e6b3a;"
_NOTE_STYLE = ("background: #eef3fb; border: 1px solid #c9d6ee; border-radius: 4px; "
               "padding: 6px; color: #2a3a5c;")
_BANNER_STYLE = ("background: #fff4d6; border: 1px solid #e8c66b; border-radius: 4px; "
                 "padding: 6px; color: #5a4300;")


# --- describing a connection ------------------------------------------------------------

def describe_connection(profile: ConnectionProfile) -> str:
    """One line saying where a connection goes, e.g. "AWS profile dev · eu-west-1"."""
    if profile.kind == "profile":
        where = f"AWS profile {profile.profile_name or '?'}"
        region = profile.region or "the profile's region"
    elif profile.kind == "default":
        where, region = "Default credentials", profile.region or "no region"
    elif profile.kind == "endpoint":
        where, region = profile.endpoint_url or "no URL", profile.region or "no region"
    else:
        return "Local sandbox on this computer"
    return f"{where} · {region}"


def flags_text(profile: ConnectionProfile) -> str:
    return " · ".join(f for f, on in (("read-only", profile.read_only),
                                      ("production", profile.production)) if on)


def with_session_keys(profile: ConnectionProfile,
                      keys: Mapping[str, EndpointKeys] | None = None) -> ConnectionProfile:
    """`profile` with the endpoint keys typed for it earlier in this session, if any."""
    found = (SESSION_KEYS if keys is None else keys).get(profile.id)
    if found is None or profile.kind != "endpoint":
        return profile
    return dataclasses.replace(profile, credentials=found)


def load_saved(path: Path | None = None) -> tuple[list[ConnectionProfile], str]:
    """The saved connections (with this session's endpoint keys) and, when the file could
    not be read in full, what to tell the user. Never writes."""
    try:
        saved = settings_file.load(path)
    except SettingsError as exc:
        return [], str(exc)
    return [with_session_keys(p) for p in saved.connections], " ".join(saved.problems)


def _connection_item(profile: ConnectionProfile, unsaved: bool = False) -> QListWidgetItem:
    item = QListWidgetItem()
    _fill_item(item, profile, unsaved)
    return item


def _fill_item(item: QListWidgetItem, profile: ConnectionProfile, unsaved: bool) -> None:
    details = describe_connection(profile)
    flags = flags_text(profile)
    if flags:
        details += f" · {flags}"
    if unsaved:
        details += " · not saved"
    item.setText(f"{profile.name or '(no name)'}\n{details}")
    item.setIcon(colors.swatch_icon(profile.color, 16))
    item.setData(Qt.ItemDataRole.UserRole, profile.id)
    item.setToolTip(f"{profile.name}\n{details}\ncolour: {colors.color_name(profile.color)}")
    font = QFont()
    font.setItalic(unsaved)
    item.setFont(font)


class ConnectionItemDelegate(QStyledItemDelegate):
    """Draws a connection item as its name in bold over its details in grey."""

    def _lines(self, index: QModelIndex | QPersistentModelIndex) -> tuple[str, str]:
        name, _, details = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        return name, details

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        name, details = self._lines(index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        rect = rect.adjusted(4, 3, -4, -3)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        group = (QPalette.ColorGroup.Normal if opt.state & QStyle.StateFlag.State_Active
                 else QPalette.ColorGroup.Inactive)
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(opt.palette.color(group, text_role))
        line = QFontMetrics(bold).height()
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        painter.drawText(rect.adjusted(0, 0, 0, -(rect.height() - line)), flags,
                         QFontMetrics(bold).elidedText(name, Qt.TextElideMode.ElideRight,
                                                       rect.width()))
        small = QFont(opt.font)
        small.setItalic(opt.font.italic())
        painter.setFont(small)
        if not selected:
            painter.setPen(QColor("#5c6474"))
        metrics = QFontMetrics(small)
        painter.drawText(rect.adjusted(0, line + 1, 0, 0), flags,
                         metrics.elidedText(details, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        name, details = self._lines(index)
        bold = QFont(option.font)
        bold.setBold(True)
        height = QFontMetrics(bold).height() + QFontMetrics(option.font).height() + 9
        width = max(QFontMetrics(bold).horizontalAdvance(name),
                    QFontMetrics(option.font).horizontalAdvance(details)) + 40
        return QSize(width, max(height, 36))


def _connection_list(name: str) -> QListWidget:
    view = QListWidget()
    view.setObjectName(name)
    view.setIconSize(QSize(16, 16))
    view.setItemDelegate(ConnectionItemDelegate(view))
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    return view


def _note(text: str, name: str, style: str = _NOTE_STYLE) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def copy_to_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


# --- the dialog -------------------------------------------------------------------------

class ConnectionManager(QDialog):
    """Saved connections on the left; the selected one's form on the right.

    Changes stay in the dialog until Save writes that connection to the settings file
    (never its keys). Connect emits `connectRequested` with the connection as the form
    has it, endpoint keys included, and closes the dialog.
    """

    #: the user asked to open this ConnectionProfile (it may hold endpoint keys)
    connectRequested = Signal(object)
    #: the settings file changed (a connection was saved or deleted)
    saved = Signal()

    def __init__(self, settings_path: Path | None = None, parent: QWidget | None = None,
                 *, select: str | None = None,
                 session_keys: dict[str, EndpointKeys] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionManager")
        self.setWindowTitle("Manage connections")
        self.settings_path = settings_path or settings_file.default_path()
        self.session_keys = SESSION_KEYS if session_keys is None else session_keys
        self.tasks = Tasks(self._task_failed)
        self._settings = Settings()
        self._saved: dict[str, ConnectionProfile] = {}
        self._entries: list[ConnectionProfile] = []  # what the list shows, edits included
        self._current: str | None = None
        self._filling = False
        self._color = ""
        self._profiles: list[AwsProfile] = []
        self._profiles_error = ""
        self._command = ""
        self._discarding = False
        self.confirm_box: QMessageBox | None = None
        self.color_dialog: QColorDialog | None = None
        self.load_error = ""

        self._build()
        self._load_settings()
        self._load_profiles()
        self._fill_list()
        if self._entries:
            wanted = select if select in {e.id for e in self._entries} else self._entries[0].id
            self.select(wanted)
        else:
            self._show_form(None)
        self.resize(980, 640)

    # --- building ----------------------------------------------------------------------

    def _build(self) -> None:
        self.banner = _note("", "settingsProblem", _BANNER_STYLE)
        self.banner.hide()

        # left: the list and its buttons
        self.list = _connection_list("connectionList")
        self.list.currentItemChanged.connect(self._current_item_changed)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addConnection")
        self.add_button.setToolTip("A new connection")
        self.add_button.clicked.connect(self.add)
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setObjectName("duplicateConnection")
        self.duplicate_button.setToolTip("A copy of this connection, to change and save")
        self.duplicate_button.clicked.connect(self.duplicate)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("deleteConnection")
        self.delete_button.clicked.connect(self.ask_delete)
        list_buttons = QHBoxLayout()
        for b in (self.add_button, self.duplicate_button, self.delete_button):
            list_buttons.addWidget(b)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        heading = QLabel("Saved connections")
        heading.setObjectName("sectionHeading")
        left_layout.addWidget(heading)
        left_layout.addWidget(self.list, 1)
        left_layout.addLayout(list_buttons)

        # right: the form
        self.form_widget = QWidget()
        self.form_widget.setObjectName("connectionForm")
        self.form = QFormLayout(self.form_widget)
        self.form.setContentsMargins(0, 6, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setVerticalSpacing(8)
        self._errors: dict[str, QLabel] = {}
        self._rows: dict[str, QWidget] = {}

        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        self.name_edit.setPlaceholderText("e.g. Orders (staging)")
        self._add_row("name", "&Name:", self.name_edit)

        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind in ("profile", "default", "endpoint", "sandbox"):
            self.kind_combo.addItem(KIND_LABELS[kind], kind)
        self._add_row("kind", "&Connect with:", self.kind_combo)

        self.profile_combo = QComboBox()
        self.profile_combo.setObjectName("profileCombo")
        self.profile_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.profile_combo.setMinimumContentsLength(24)
        self.reload_profiles_button = QToolButton()
        self.reload_profiles_button.setObjectName("reloadProfiles")
        self.reload_profiles_button.setText("Reload")
        self.reload_profiles_button.setToolTip("Read the AWS config and credentials files again")
        self.reload_profiles_button.clicked.connect(self._reload_profiles)
        profile_line = QHBoxLayout()
        profile_line.setContentsMargins(0, 0, 0, 0)
        profile_line.addWidget(self.profile_combo, 1)
        profile_line.addWidget(self.reload_profiles_button)
        self.profile_info = QLabel()
        self.profile_info.setObjectName("profileInfo")
        self.profile_info.setWordWrap(True)
        self.profile_info.setTextFormat(Qt.TextFormat.RichText)
        self.profile_info.setStyleSheet("color: #5c6474;")
        self.profile_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._add_row("profile", "AWS &profile:", profile_line, extra=self.profile_info,
                      buddy=self.profile_combo)

        self.default_note = _note(DEFAULT_NOTE, "defaultNote")
        self._add_row("default_note", "", self.default_note, with_error=False)

        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("urlEdit")
        self.url_edit.setPlaceholderText("http://localhost:8000")
        self._add_row("url", "Endpoint &URL:", self.url_edit)

        # A list to pick from, and a field to type any region (emulators accept any name).
        self.region_combo = QComboBox()
        self.region_combo.setObjectName("regionCombo")
        self.region_combo.setEditable(True)
        self.region_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.region_combo.addItems(list(REGIONS))
        self.region_combo.setMaxVisibleItems(16)
        self.region_combo.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Fixed)
        self.region_combo.completer().setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.region_edit = self.region_combo.lineEdit()
        self.region_edit.setObjectName("regionEdit")
        self.region_combo.activated.connect(self._edited)
        self._add_row("region", "&Region:", self.region_combo)

        self.access_key_edit = QLineEdit()
        self.access_key_edit.setObjectName("accessKeyEdit")
        self.access_key_edit.setPlaceholderText("optional")
        self._add_row("access_key", "&Access key ID:", self.access_key_edit)
        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("secretEdit")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("optional")
        self._add_row("secret", "Secret &key:", self.secret_edit)
        self.keys_note = _note(KEYS_NOTE, "keysNote")
        self._add_row("keys_note", "", self.keys_note, with_error=False)

        self.sandbox_note = _note(SANDBOX_NOTE, "sandboxNote")
        self._add_row("sandbox_note", "", self.sandbox_note, with_error=False)

        self.color_group = QButtonGroup(self)
        self.color_group.setExclusive(True)
        colour_line = QHBoxLayout()
        colour_line.setContentsMargins(0, 0, 0, 0)
        colour_line.setSpacing(3)
        self._swatches: dict[str, QToolButton] = {}
        for name, hex_ in (("No colour", ""), *colors.PALETTE):
            button = self._swatch_button(hex_, name)
            colour_line.addWidget(button)
        self.custom_swatch = self._swatch_button("#000000", "Custom colour")
        self.custom_swatch.hide()
        colour_line.addWidget(self.custom_swatch)
        self.custom_color_button = QPushButton("Custom…")
        self.custom_color_button.setObjectName("customColor")
        self.custom_color_button.clicked.connect(self.pick_custom_color)
        colour_line.addSpacing(6)
        colour_line.addWidget(self.custom_color_button)
        colour_line.addStretch(1)
        self._add_row("color", "C&olour:", colour_line, with_error=False,
                      buddy=self._swatches[""])

        self.read_only_check = QCheckBox("Read-only: refuse every write")
        self.read_only_check.setObjectName("readOnlyCheck")
        self.read_only_check.setToolTip(READ_ONLY_TIP)
        self.production_check = QCheckBox("Production: ask before every write")
        self.production_check.setObjectName("productionCheck")
        self.production_check.setToolTip(PRODUCTION_TIP)
        safety = QVBoxLayout()
        safety.setContentsMargins(0, 0, 0, 0)
        safety.setSpacing(4)
        safety.addWidget(self.read_only_check)
        safety.addWidget(self.production_check)
        self._add_row("safety", "Safety:", safety, with_error=False,
                      buddy=self.read_only_check)

        # the result of Test (and of Save)
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_command_button = QPushButton("Copy command")
        self.copy_command_button.setObjectName("copyCommand")
        self.copy_command_button.clicked.connect(self.copy_command)
        self.copy_command_button.hide()
        self.test_button = QPushButton("Test")
        self.test_button.setObjectName("testConnection")
        self.test_button.setToolTip("Sign in, say who you are and count the tables")
        self.test_button.clicked.connect(self.test)
        result_line = QHBoxLayout()
        result_line.setContentsMargins(0, 4, 0, 0)
        result_line.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignTop)
        result_line.addWidget(self.result_label, 1)
        result_line.addWidget(self.copy_command_button, 0, Qt.AlignmentFlag.AlignTop)
        self.result_frame = QFrame()
        self.result_frame.setObjectName("resultFrame")
        self.result_frame.setLayout(result_line)
        self.result_frame.setMinimumHeight(48)

        self.empty_hint = QLabel("No saved connections yet. Press Add to make one.")
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setStyleSheet("color: #5c6474; font-size: 13px;")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        form_heading = QLabel("Connection")
        form_heading.setObjectName("sectionHeading")
        right_layout.addWidget(form_heading)
        right_layout.addWidget(self.empty_hint)
        right_layout.addWidget(self.form_widget)
        right_layout.addWidget(self.result_frame)
        right_layout.addStretch(1)

        splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 660])

        # bottom buttons
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveConnection")
        self.save_button.setToolTip("Save this connection (never its keys)")
        self.save_button.clicked.connect(self.save)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setProperty("primary", True)
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_current)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("closeButton")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.connect_button)
        for b in (self.add_button, self.duplicate_button, self.delete_button,
                  self.test_button, self.save_button):
            b.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        for edit in (self.name_edit, self.url_edit, self.region_edit, self.access_key_edit,
                     self.secret_edit):
            edit.textEdited.connect(self._edited)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.profile_combo.currentIndexChanged.connect(self._profile_changed)
        self.read_only_check.toggled.connect(self._edited)
        self.production_check.toggled.connect(self._edited)

    def _add_row(self, key: str, label: str, field: Any, *, extra: QWidget | None = None,
                 with_error: bool = True, buddy: QWidget | None = None) -> None:
        """A form row whose field has its own error line under it."""
        box = QWidget()
        box.setObjectName(f"{key}Row")
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if isinstance(field, QWidget):
            column.addWidget(field)
        else:
            column.addLayout(field)
        if extra is not None:
            column.addWidget(extra)
        if with_error:
            error = QLabel()
            error.setObjectName(f"{key}Error")
            error.setWordWrap(True)
            error.setStyleSheet(_ERROR_STYLE)
            error.hide()
            column.addWidget(error)
            self._errors[key] = error
        self._rows[key] = box
        if label:
            title = QLabel(label)
            buddy = buddy or (field if isinstance(field, QWidget) else None)
            if buddy is not None:
                title.setBuddy(buddy)
            self.form.addRow(title, box)
        else:
            self.form.addRow(box)

    def _swatch_button(self, color: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(f"swatch{name.replace(' ', '')}")
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setIconSize(QSize(18, 18))
        button.setIcon(colors.swatch_icon(color, 18))
        button.setToolTip(name)
        button.setProperty("swatchColor", color)
        button.setStyleSheet("QToolButton { border: 2px solid transparent; border-radius: 5px;"
                             " padding: 1px; }"
                             "QToolButton:checked { border-color: #2f4b8f;"
                             " background: #e3e9f6; }"
                             "QToolButton:hover:!checked { border-color: #c3cbe0; }")
        button.clicked.connect(lambda _on=False, b=button: self._swatch_clicked(b))
        self.color_group.addButton(button)
        if name != "Custom colour":
            self._swatches[color] = button
        return button

    # --- loading -----------------------------------------------------------------------

    def _load_settings(self) -> None:
        try:
            self._settings = settings_file.load(self.settings_path)
        except SettingsError as exc:
            self.load_error = str(exc)
            self._settings = Settings()
            self._banner(f"{exc.message}\n{exc.hint}".strip())
        else:
            if self._settings.problems:
                self._banner(" ".join(self._settings.problems))
        self._saved = {p.id: p for p in self._settings.connections}
        self._entries = [with_session_keys(p, self.session_keys)
                         for p in self._settings.connections]

    def _banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def _load_profiles(self) -> None:
        try:
            self._profiles = list_profiles()
            self._profiles_error = ""
        except DynascopeError as exc:
            self._profiles = []
            self._profiles_error = f"{exc.message} {exc.hint}".strip()

    def _reload_profiles(self) -> None:
        self._load_profiles()
        entry = self._entry()
        if entry is not None:
            self._filling = True
            try:
                self._fill_profiles(self.profile_combo.currentData() or entry.profile_name)
            finally:
                self._filling = False
            self._update_profile_info()

    def _fill_profiles(self, selected: str | None) -> None:
        combo = self.profile_combo
        combo.clear()
        for p in self._profiles:
            combo.addItem(f"{p.name}  —  {p.description}", p.name)
            combo.setItemData(combo.count() - 1, p.description, Qt.ItemDataRole.ToolTipRole)
        names = [p.name for p in self._profiles]
        if selected and selected not in names:
            combo.addItem(f"{selected}  —  not in your AWS config files", selected)
        if selected:
            combo.setCurrentIndex(combo.findData(selected))
        elif combo.count():
            combo.setCurrentIndex(0)

    def _fill_list(self) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for entry in self._entries:
            self.list.addItem(_connection_item(entry, self._unsaved(entry)))
        self.list.blockSignals(False)

    # --- the list ----------------------------------------------------------------------

    @property
    def entries(self) -> list[ConnectionProfile]:
        """The connections listed, as edited (unsaved changes included)."""
        self._store_form()
        return list(self._entries)

    @property
    def saved_connections(self) -> list[ConnectionProfile]:
        return list(self._settings.connections)

    def current(self) -> ConnectionProfile | None:
        """The selected connection as the form has it now."""
        self._store_form()
        return self._entry()

    def _entry(self, entry_id: str | None = None) -> ConnectionProfile | None:
        wanted = entry_id or self._current
        return next((e for e in self._entries if e.id == wanted), None)

    def _row(self, entry_id: str) -> int:
        return next((i for i, e in enumerate(self._entries) if e.id == entry_id), -1)

    def _unsaved(self, entry: ConnectionProfile) -> bool:
        saved = self._saved.get(entry.id)
        return saved is None or saved != entry.without_secrets()

    def has_unsaved_changes(self) -> bool:
        self._store_form()
        return any(self._unsaved(e) for e in self._entries)

    def select(self, entry_id: str) -> None:
        row = self._row(entry_id)
        if row >= 0:
            self.list.setCurrentRow(row)

    def _current_item_changed(self, item: QListWidgetItem | None,
                              previous: QListWidgetItem | None) -> None:
        if previous is not None:
            self._store_form()
        self.tasks.cancel("test")
        self._clear_result()
        entry_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        self._current = entry_id
        self._show_form(self._entry(entry_id) if entry_id else None)

    def _append(self, entry: ConnectionProfile) -> None:
        self._store_form()
        self._entries.append(entry)
        self.list.addItem(_connection_item(entry, True))
        self.select(entry.id)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def add(self) -> None:
        """A new, unsaved connection: an AWS profile when there are any, else an endpoint."""
        kind: Kind = "profile" if self._profiles else "endpoint"
        first = self._profiles[0] if self._profiles else None
        self._append(ConnectionProfile(
            name="", kind=kind, region=(first.region or "") if first else "us-east-1",
            profile_name=first.name if first else None,
            endpoint_url=None if first else "http://localhost:8000"))

    def duplicate(self) -> None:
        """An unsaved copy of the selected connection with a new id."""
        entry = self.current()
        if entry is not None:
            self._append(entry.duplicate())

    def ask_delete(self) -> None:
        entry = self.current()
        if entry is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Delete connection",
                          f"Delete the connection “{entry.name or '(no name)'}”?",
                          QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("deleteConfirmBox")
        box.setInformativeText("It is removed from your saved connections. Your AWS "
                               "profiles and the endpoint's data are not touched.")
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda b: self.delete(entry.id) if b is delete else None)
        box.finished.connect(lambda _r: self._forget_box(box))
        self.confirm_box = box
        box.open()

    def _forget_box(self, box: QMessageBox) -> None:
        if self.confirm_box is box:
            self.confirm_box = None
        box.deleteLater()

    def delete(self, entry_id: str) -> bool:
        """Remove a connection from the list and from the settings file (no question)."""
        if entry_id in self._saved:
            if not self._write(lambda fresh: fresh.remove(entry_id)):
                return False
            self._saved.pop(entry_id)
        row = self._row(entry_id)
        if row < 0:
            return False
        name = self._entries[row].name
        del self._entries[row]
        self.session_keys.pop(entry_id, None)
        if self._current == entry_id:
            self._current = None
        self.list.takeItem(row)  # selects a neighbour (or nothing)
        if not self._entries:
            self._show_form(None)
        self._show_result(f"Deleted {name or 'the connection'}.", ok=True)
        return True

    # --- the form ----------------------------------------------------------------------

    def _show_form(self, entry: ConnectionProfile | None) -> None:
        has = entry is not None
        self.form_widget.setVisible(has)
        self.result_frame.setVisible(has)
        self.empty_hint.setVisible(not has)
        for b in (self.duplicate_button, self.delete_button, self.test_button,
                  self.save_button, self.connect_button):
            b.setEnabled(has)
        self._clear_errors()
        if entry is None:
            return
        self._filling = True
        try:
            self.name_edit.setText(entry.name)
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(entry.kind))
            self._fill_profiles(entry.profile_name)
            self.url_edit.setText(entry.endpoint_url or "")
            self.region_edit.setText(entry.region)
            keys = entry.credentials
            self.access_key_edit.setText(keys.access_key_id if keys else "")
            self.secret_edit.setText(keys.secret_access_key if keys else "")
            self.read_only_check.setChecked(entry.read_only)
            self.production_check.setChecked(entry.production)
            self._set_color(entry.color)
        finally:
            self._filling = False
        self._show_kind_rows(entry.kind)
        self._update_profile_info()

    def _show_kind_rows(self, kind: str) -> None:
        visible = {
            "profile": {"profile", "region"},
            "default": {"default_note", "region"},
            "endpoint": {"url", "region", "access_key", "secret", "keys_note"},
            "sandbox": {"sandbox_note"},
        }[kind]
        for key in ("profile", "default_note", "url", "region", "access_key", "secret",
                    "keys_note", "sandbox_note"):
            self.form.setRowVisible(self._rows[key], key in visible)
        if kind == "profile":
            self.region_edit.setPlaceholderText(self._profile_region_placeholder())
        else:
            self.region_edit.setPlaceholderText("e.g. us-east-1")

    def _selected_aws_profile(self) -> AwsProfile | None:
        name = self.profile_combo.currentData()
        return next((p for p in self._profiles if p.name == name), None)

    def _profile_region_placeholder(self) -> str:
        p = self._selected_aws_profile()
        if p is not None and p.region:
            return f"the profile's region ({p.region})"
        return "required: the profile sets no region"

    def _update_profile_info(self) -> None:
        if self._profiles_error:
            self.profile_info.setText(escape(self._profiles_error))
            return
        if not self._profiles:
            config, credentials = config_files()
            self.profile_info.setText(escape(
                f"No AWS profiles in {config} or {credentials}. Add one with `aws "
                "configure` (or `aws configure sso`), then press Reload."))
            return
        p = self._selected_aws_profile()
        if p is None:
            name = self.profile_combo.currentData()
            self.profile_info.setText(escape(
                f"There is no profile named {name!r} in your AWS files: choose another or "
                "add it.") if name else "")
            return
        info = f"Signs in with {escape(p.auth)}."
        if p.login_command:
            info += (" When the sign-in expires, run<br><code>"
                     f"{escape(p.login_command)}</code>")
        if p.mfa:
            info += " Dynascope asks for the MFA code when it connects."
        if p.endpoint_url:
            info += f" The profile sends requests to {escape(p.endpoint_url)}."
        self.profile_info.setText(info)

    def _kind_changed(self, _index: int) -> None:
        kind = self.kind_combo.currentData()
        if self._filling or kind is None:
            return
        if kind == "profile" and not self.region_edit.text().strip():
            p = self._selected_aws_profile()
            self.region_edit.setText((p.region or "") if p else "")
        elif kind in ("default", "endpoint") and not self.region_edit.text().strip():
            self.region_edit.setText("us-east-1")
        if kind == "endpoint" and not self.url_edit.text().strip():
            self.url_edit.setText("http://localhost:8000")
        self._show_kind_rows(kind)
        self._clear_errors()
        self._edited()

    def _profile_changed(self, _index: int) -> None:
        if self._filling:
            return
        p = self._selected_aws_profile()
        self.region_edit.setText((p.region or "") if p else "")  # the profile's own region
        self.region_edit.setPlaceholderText(self._profile_region_placeholder())
        self._update_profile_info()
        self._edited()

    def _swatch_clicked(self, button: QToolButton) -> None:
        self._color = button.property("swatchColor") or ""
        self._edited()

    def _set_color(self, color: str) -> None:
        color = colors.normalized(color)
        self._color = color
        button = self._swatches.get(color)
        if button is None:  # a custom colour
            self.custom_swatch.setProperty("swatchColor", color)
            self.custom_swatch.setIcon(colors.swatch_icon(color, 18))
            self.custom_swatch.setToolTip(f"Custom colour {color}")
            self.custom_swatch.show()
            button = self.custom_swatch
        else:
            self.custom_swatch.hide()
        button.setChecked(True)

    def set_color(self, color: str) -> None:
        """Choose a colour for the selected connection ("" for none)."""
        self._set_color(color)
        self._edited()

    @property
    def color(self) -> str:
        return self._color

    def pick_custom_color(self) -> None:
        """Open a colour dialog; the colour chosen applies to the selected connection."""
        dialog = QColorDialog(QColor(self._color or colors.PALETTE[0][1]), self)
        dialog.setObjectName("customColorDialog")
        dialog.setOption(QColorDialog.ColorDialogOption.DontUseNativeDialog)
        dialog.colorSelected.connect(lambda c: self.set_color(c.name()))
        dialog.finished.connect(lambda _r: self._color_dialog_closed(dialog))
        self.color_dialog = dialog
        dialog.open()

    def _color_dialog_closed(self, dialog: QColorDialog) -> None:
        if self.color_dialog is dialog:
            self.color_dialog = None
        dialog.deleteLater()

    def _edited(self, *_args: Any) -> None:
        if self._filling:
            return
        self._store_form()

    def _form_profile(self) -> ConnectionProfile | None:
        """The selected connection as the form has it, without checking anything."""
        entry = self._entry()
        if entry is None:
            return None
        kind = self.kind_combo.currentData()
        key, secret = self.access_key_edit.text().strip(), self.secret_edit.text().strip()
        return dataclasses.replace(
            entry,
            name=self.name_edit.text().strip(),
            kind=kind,
            region=(self.region_edit.text().strip() if kind != "sandbox"
                    else entry.region or "us-east-1"),
            endpoint_url=(self.url_edit.text().strip() or None) if kind == "endpoint" else None,
            profile_name=self.profile_combo.currentData() if kind == "profile" else None,
            read_only=self.read_only_check.isChecked(),
            production=self.production_check.isChecked(),
            color=self._color,
            credentials=(EndpointKeys(key, secret) if kind == "endpoint" and (key or secret)
                         else None),
        )

    def _store_form(self) -> None:
        """Keep what the form shows as the selected entry's (unsaved) state."""
        if self._filling:
            return
        draft = self._form_profile()
        if draft is None:
            return
        row = self._row(draft.id)
        self._entries[row] = draft
        item = self.list.item(row)
        if item is not None:
            _fill_item(item, draft, self._unsaved(draft))

    # --- validation --------------------------------------------------------------------

    def _clear_errors(self) -> None:
        for label in self._errors.values():
            label.clear()
            label.hide()

    def _error(self, key: str, text: str) -> None:
        label = self._errors[key]
        label.setText(text)
        label.show()

    def errors(self) -> dict[str, str]:
        """The problems shown next to the fields now, by field."""
        return {k: label.text() for k, label in self._errors.items() if label.text()}

    def validate(self) -> ConnectionProfile | None:
        """The form as a connection, or None with each problem shown next to its field."""
        self._store_form()
        profile = self._entry()
        self._clear_errors()
        if profile is None:
            return None
        problems: list[tuple[str, str, QWidget]] = []
        if not profile.name:
            problems.append(("name", "Give the connection a name.", self.name_edit))
        region = profile.region
        if profile.kind == "profile":
            problems += self._profile_problems(profile)
        elif profile.kind in ("default", "endpoint") and not region:
            problems.append(("region", "Choose a region, e.g. us-east-1.", self.region_edit))
        if region and profile.kind != "sandbox" and (
                any(c.isspace() for c in region) or "/" in region):
            problems.append(("region", f"{region!r} is not a region name (e.g. eu-west-1).",
                             self.region_edit))
        if profile.kind == "endpoint":
            url_problem = endpoint_url_problem(profile.endpoint_url or "")
            if url_problem:
                problems.append(("url", url_problem, self.url_edit))
            keys = profile.credentials
            if keys is not None and not keys.access_key_id:
                problems.append(("access_key", "Type the access key ID that goes with the "
                                 "secret key, or clear both.", self.access_key_edit))
            if keys is not None and not keys.secret_access_key:
                problems.append(("secret", "Type the secret key that goes with the access "
                                 "key, or clear both.", self.secret_edit))
        for key, text, _widget in problems:
            if not self._errors[key].text():
                self._error(key, text)
        if problems:
            problems[0][2].setFocus()
            return None
        return profile

    def _profile_problems(self, profile: ConnectionProfile) -> list[tuple[str, str, QWidget]]:
        try:
            known = {p.name: p for p in list_profiles()}  # the files as they are now
        except DynascopeError as exc:
            return [("profile", f"{exc.message} {exc.hint}".strip(), self.profile_combo)]
        name = profile.profile_name
        if not name:
            config, _credentials = config_files()
            return [("profile", f"Choose an AWS profile (there is none in {config}).",
                     self.profile_combo)]
        if name not in known:
            return [("profile", f"There is no AWS profile named {name!r} in your AWS config "
                     "or credentials file: choose another, or add it and press Reload.",
                     self.profile_combo)]
        if not profile.region and not known[name].region:
            return [("region", f"The profile {name} sets no region: choose one.",
                     self.region_edit)]
        return []

    # --- actions -----------------------------------------------------------------------

    def save(self) -> bool:
        """Check the selected connection and write it to the settings file (no keys)."""
        profile = self.validate()
        if profile is None:
            self._show_result("Not saved: fix what is marked in red.", ok=False)
            return False
        stored = profile.without_secrets()  # app.settings would refuse a key, too
        if not self._write(lambda fresh: fresh.put(stored)):
            return False
        self._saved[stored.id] = stored
        if profile.credentials is not None:
            self.session_keys[profile.id] = profile.credentials
        else:
            self.session_keys.pop(profile.id, None)
        self._store_form()
        note = " The keys stay in memory for this session only." if profile.credentials else ""
        self._show_result(f"Saved {profile.name} to {self.settings_path}.{note}", ok=True)
        return True

    def _write(self, change: Callable[[Settings], None]) -> bool:
        """Apply `change` to the settings file as it is now and save it.

        The file is read again first, so what others keep there meanwhile (query history,
        saved queries, connections saved from another window) is kept.
        """
        try:
            try:
                fresh = settings_file.load(self.settings_path)
            except SettingsError as exc:
                if not exc.backup:  # unreadable or from a newer version: never overwrite
                    raise
                fresh = Settings()  # damaged: a copy was kept; start a new file
            change(fresh)
            settings_file.save(fresh, self.settings_path)
        except SettingsError as exc:
            self._show_result(f"Not saved: {exc.message}\n{exc.hint}".strip(), ok=False)
            return False
        except OSError as exc:
            self._show_result(f"Not saved: {self.settings_path} could not be written "
                              f"({exc.strerror or exc}).\nCheck the folder's permissions.",
                              ok=False)
            return False
        self._settings = fresh
        self.load_error = ""
        self._banner(" ".join(fresh.problems))
        self.saved.emit()
        return True

    def connect_current(self) -> None:
        """Emit `connectRequested` with the selected connection (keys included) and close."""
        profile = self.validate()
        if profile is None:
            self._show_result("Not connected: fix what is marked in red.", ok=False)
            return
        if profile.credentials is not None:
            self.session_keys[profile.id] = profile.credentials
        self.connectRequested.emit(profile)
        self.accept()

    def test(self) -> None:
        """Sign in and count the tables, off the GUI thread; the result shows below."""
        profile = self.validate()
        if profile is None:
            self._show_result("Not tested: fix what is marked in red.", ok=False)
            return
        if profile.kind == "sandbox":
            self._show_result("The local sandbox starts on this computer when you connect; "
                              "there is nothing to test before that.", ok=True)
            return
        self._show_result("Testing…", ok=None)
        self.tasks.start(self._run_test(profile), key="test")

    async def _run_test(self, profile: ConnectionProfile) -> None:
        try:
            conn: Connection = await run_blocking(functools.partial(
                connect, profile, max_attempts=TEST_MAX_ATTEMPTS))
            check = await check_connection(conn, max_pages=10)
        except DynascopeError as exc:
            if self._current == profile.id:
                self.show_error(exc)
            return
        if self._current == profile.id:
            self._show_check(check)

    def _show_check(self, check: ConnectionCheck) -> None:
        text = check.summary
        if check.tables_error:
            text += f"\n{check.tables_error}"
        self._show_result(text, ok=check.table_count is not None)

    def show_error(self, exc: BaseException) -> None:
        """An error below the form, with "Copy command" when it names a fixing command."""
        message, hint = user_message(exc)
        self._show_result(f"{message}\n{hint}".strip(), ok=False,
                          command=getattr(exc, "command", "") or "")

    def _task_failed(self, exc: BaseException) -> None:
        self.show_error(exc)

    def _show_result(self, text: str, ok: bool | None, command: str = "") -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(
            "" if ok is None else _OK_STYLE if ok else _ERROR_STYLE)
        self.result_label.setProperty("ok", ok)
        self._command = command
        self.copy_command_button.setText("Copy command")
        self.copy_command_button.setToolTip(command)
        self.copy_command_button.setVisible(bool(command))

    def _clear_result(self) -> None:
        self._show_result("", ok=None)

    @property
    def result_text(self) -> str:
        return self.result_label.text()

    @property
    def testing(self) -> bool:
        return self.tasks.running("test")

    def copy_command(self) -> None:
        if self._command:
            copy_to_clipboard(self._command)
            self.copy_command_button.setText("Copied")

    # --- closing -----------------------------------------------------------------------

    def reject(self) -> None:
        """Close; with unsaved changes, first ask whether to discard them."""
        if self._discarding or not self.has_unsaved_changes():
            super().reject()
            return
        names = ", ".join(e.name or "(no name)" for e in self._entries if self._unsaved(e))
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Close without saving? These connections have changes that are "
                          f"not saved: {names}.", QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("discardConfirmBox")
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda b: self._discard() if b is discard else None)
        box.finished.connect(lambda _r: self._forget_box(box))
        self.confirm_box = box
        box.open()

    def _discard(self) -> None:
        self._discarding = True
        self.reject()

    def done(self, result: int) -> None:
        self.tasks.cancel_all()
        super().done(result)


def endpoint_url_problem(url: str) -> str:
    """Why `url` is not an endpoint URL, or "" when it is one."""
    example = "e.g. http://localhost:8000"
    if not url:
        return f"Type the endpoint's URL, {example}."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"{url!r} is not a valid URL ({example})."
    if parts.scheme not in ("http", "https"):
        return f"The URL must start with http:// or https:// ({example})."
    if not parts.hostname:
        return f"The URL has no host name ({example})."
    if any(c.isspace() for c in url):
        return f"The URL cannot contain spaces ({example})."
    return ""


# --- the start page ---------------------------------------------------------------------

class SavedConnectionsPage(QWidget):
    """What the main window shows at startup when there are saved connections: pick one
    to open, manage them, or open the sandbox."""

    #: the user picked this ConnectionProfile (with this session's endpoint keys)
    connectRequested = Signal(object)
    manageRequested = Signal()
    sandboxRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savedConnectionsPage")
        self._profiles: list[ConnectionProfile] = []
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        box = QWidget()
        box.setMaximumWidth(620)
        layout = QVBoxLayout(box)
        self.title = QLabel("Open a connection")
        self.title.setObjectName("pageTitle")
        self.text = QLabel("Double-click a saved connection to open it. Several can be "
                           "open side by side.")
        self.text.setObjectName("pageText")
        self.text.setWordWrap(True)
        self.problem = _note("", "savedProblem", _BANNER_STYLE)
        self.problem.hide()
        self.list = _connection_list("savedConnectionList")
        self.list.setMinimumHeight(220)
        self.list.itemActivated.connect(lambda _item: self.connect_selected())
        self.connect_button = QPushButton("Connect")
        self.connect_button.setObjectName("connectSavedButton")
        self.connect_button.setProperty("primary", True)
        self.connect_button.setDefault(True)
        self.connect_button.clicked.connect(self.connect_selected)
        self.manage_button = QPushButton("Manage connections…")
        self.manage_button.setObjectName("manageConnectionsButton")
        self.manage_button.clicked.connect(self.manageRequested)
        self.sandbox_button = QPushButton("Open the local sandbox")
        self.sandbox_button.setObjectName("startSandboxButton")
        self.sandbox_button.clicked.connect(self.sandboxRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.manage_button)
        buttons.addStretch(1)
        buttons.addWidget(self.sandbox_button)
        for w in (self.title, self.text, self.problem, self.list):
            layout.addWidget(w)
        layout.addLayout(buttons)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 4)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_connections(self, profiles: list[ConnectionProfile], problem: str = "") -> None:
        self._profiles = list(profiles)
        self.list.clear()
        for p in profiles:
            self.list.addItem(_connection_item(p))
        if profiles:
            self.list.setCurrentRow(0)
        self.connect_button.setEnabled(bool(profiles))
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))

    def reload(self, path: Path | None = None) -> int:
        """Read the saved connections again; returns how many there are."""
        profiles, problem = load_saved(path)
        self.set_connections(profiles, problem)
        return len(profiles)

    def connect_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self._profiles):
            self.connectRequested.emit(with_session_keys(self._profiles[row]))


# --- prompts the main window uses -------------------------------------------------------

def confirm_write(parent: QWidget, conn: Connection, operation: str,
                  params: Mapping[str, Any] | None, proceed: Callable[[], None],
                  what: str = "") -> QMessageBox | None:
    """Run `proceed` now, or, on a production connection, once the user confirms.

    Returns the question box while it is open (None when nothing needed asking).
    """
    if not conn.needs_confirmation(operation, params):
        proceed()
        return None
    name = conn.profile.name
    box = QMessageBox(QMessageBox.Icon.Warning, "Production connection",
                      f"{name} is marked as production, and {what or 'this request'} "
                      "can change its data.", QMessageBox.StandardButton.Cancel, parent)
    box.setObjectName("productionConfirmBox")
    box.setInformativeText("Send it?")
    send = box.addButton(f"Send to {name}", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda b: proceed() if b is send else None)
    box.finished.connect(lambda _r: box.deleteLater())
    box.open()
    return box


def error_box(parent: QWidget | None, message: str, hint: str = "", command: str = "",
              title: str = "Dynascope") -> QMessageBox:
    """A warning box (opened, not run) with "Copy command" when `command` fixes it."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setInformativeText(hint)
    if command:
        copy: QAbstractButton = box.addButton("Copy command",
                                              QMessageBox.ButtonRole.ActionRole)
        copy.setObjectName("copyCommand")
        copy.setToolTip(command)
        copy.clicked.connect(lambda: copy_to_clipboard(command))
    box.finished.connect(lambda _r: box.deleteLater())
    box.open()
    return box


__all__ = ["KEYS_NOTE", "KIND_LABELS", "SESSION_KEYS", "ConnectionManager",
           "SavedConnectionsPage", "confirm_write", "describe_connection",
           "endpoint_url_problem", "error_box", "load_saved", "with_session_keys"]

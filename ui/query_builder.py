"""The Query and Scan builder: typed key and filter rows, and the request it will send."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import codegen
from app.catalog import KeyAttribute, TableInfo
from app.codec import number
from app.errors import DynascopeError
from app.expressions import And, Attr, Condition, Key, KeyCondition, Not, Or, SpecError, Value
from app.query import QuerySpec
from app.ttl import not_expired

KEY_OPERATORS = ["=", "<", "<=", ">", ">=", "between", "begins_with"]
FILTER_OPERATORS = ["=", "<>", "<", "<=", ">", ">=", "between", "in", "begins_with",
                    "contains", "not contains", "exists", "not exists", "type is",
                    "size =", "size <", "size <=", "size >", "size >="]
NO_VALUE = {"exists", "not exists"}
TYPES = ["auto", "S", "N", "B", "BOOL", "NULL"]
TYPE_TIPS = {"auto": "a number if it looks like one, otherwise a string",
             "S": "string", "N": "number (exact digits)", "B": "binary, written in base64",
             "BOOL": "true or false", "NULL": "null"}


def parse_value(text: str, kind: str, what: str) -> Value:
    """The user's text as a typed value, or a `SpecError` that says what is wrong."""
    if kind == "auto":
        try:
            number(text.strip())
            kind = "N"
        except ValueError:
            kind = "S"
    if kind == "S":
        return Value.of({"S": text})
    if kind == "N":
        try:
            number(text.strip())
        except ValueError:
            raise SpecError(f"{what}: {text!r} is not a number.",
                            "Write digits, optionally with a sign, a point and an exponent, "
                            "like -12.50 or 1E-100.") from None
        return Value.of({"N": text.strip()})
    if kind == "B":
        try:
            return Value.of({"B": base64.b64decode(text.strip(), validate=True)})
        except (binascii.Error, ValueError):
            raise SpecError(f"{what}: {text!r} is not base64.",
                            "Binary values are written in base64, like AAEC/w==.") from None
    if kind == "BOOL":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise SpecError(f"{what}: a boolean is true or false, not {text!r}.")
        return Value.of({"BOOL": lowered == "true"})
    if kind == "NULL":
        return Value.of({"NULL": True})
    raise SpecError(f"{what}: unknown type {kind!r}.")


def _combo(items: Iterable[str], name: str, tips: dict[str, str] | None = None) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(5)
    for i, text in enumerate(items):
        box.addItem(text)
        if tips and text in tips:
            box.setItemData(i, tips[text], Qt.ItemDataRole.ToolTipRole)
    return box


class FilterRow(QWidget):
    """One filter condition: [NOT] path operator [type] value [and value]."""

    changed = Signal()
    removed = Signal(object)

    def __init__(self, completer_model: QStringListModel) -> None:
        super().__init__()
        self.setObjectName("filterRow")
        self.group = QSpinBox()
        self.group.setObjectName("filterGroup")
        self.group.setRange(1, 9)
        self.group.setPrefix("(")
        self.group.setSuffix(")")
        self.group.setToolTip("Group: conditions with the same number are grouped in "
                              "parentheses. Inside a group they join the other way: with "
                              "\"all of\" groups are ANDed and a group's rows ORed; with "
                              "\"any of\" groups are ORed and a group's rows ANDed.")
        self.negate = QCheckBox("not")
        self.negate.setToolTip("Negate this condition")
        self.path = QLineEdit()
        self.path.setObjectName("filterPath")
        self.path.setPlaceholderText("attribute path, e.g. address.city or tags[0]")
        self.path.setToolTip("A path into the item: a.b[2].c. Write a name that itself "
                             "holds a dot in backquotes: `first.name`.")
        completer = QCompleter(completer_model, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.path.setCompleter(completer)
        self.op = _combo(FILTER_OPERATORS, "filterOperator")
        self.kind = _combo(TYPES, "filterType", TYPE_TIPS)
        self.kind.setToolTip("The DynamoDB type of the value")
        self.value = QLineEdit()
        self.value.setObjectName("filterValue")
        self.value2 = QLineEdit()
        self.value2.setObjectName("filterValue2")
        self.value2.setPlaceholderText("and")
        self.remove = QToolButton()
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this condition")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for w in (self.path, self.value, self.value2):
            w.setMinimumWidth(50)
        for w in (self.group, self.negate, self.path, self.op, self.kind, self.value, self.value2,
                  self.remove):
            layout.addWidget(w)
        layout.setStretch(2, 2)
        layout.setStretch(5, 3)
        layout.setStretch(6, 1)
        self.path.textChanged.connect(self.changed)
        self.value.textChanged.connect(self.changed)
        self.value2.textChanged.connect(self.changed)
        self.negate.toggled.connect(self.changed)
        self.group.valueChanged.connect(self.changed)
        self.kind.currentIndexChanged.connect(self.changed)
        self.op.currentIndexChanged.connect(self._op_changed)
        self.remove.clicked.connect(lambda: self.removed.emit(self))
        self._op_changed()

    def _op_changed(self) -> None:
        op = self.op.currentText()
        self.value.setVisible(op not in NO_VALUE)
        self.value2.setVisible(op == "between")
        self.kind.setVisible(op not in NO_VALUE and op != "type is"
                             and not op.startswith("size"))
        hints = {"in": "values separated by commas", "type is": "S, N, B, SS, NS, BS, "
                 "BOOL, NULL, L or M", "begins_with": "prefix"}
        self.value.setPlaceholderText(hints.get(op, "value"))
        self.changed.emit()

    def set(self, path: str, op: str, value: str = "", kind: str = "auto",
            value2: str = "", negate: bool = False, group: int = 1) -> None:
        self.path.setText(path)
        self.op.setCurrentText(op)
        self.kind.setCurrentText(kind)
        self.value.setText(value)
        self.value2.setText(value2)
        self.negate.setChecked(negate)
        self.group.setValue(group)

    def condition(self) -> Condition | None:
        """None for an empty row; `SpecError` for a row that is filled in wrongly."""
        path = self.path.text().strip()
        if not path:
            return None
        attr = Attr(path)
        op = self.op.currentText()
        kind = self.kind.currentText()
        what = f"Filter on {path}"
        text = self.value.text()

        def val(t: str) -> Value:
            return parse_value(t, kind, what)

        if op in NO_VALUE:
            cond: Condition = attr.exists() if op == "exists" else attr.not_exists()
        elif op == "type is":
            cond = attr.attribute_type(text.strip().upper())
        elif op.startswith("size"):
            cond = attr.size().compare(op.split()[1], parse_value(text, "N", what))
        elif op == "between":
            cond = attr.between(val(text), val(self.value2.text()))
        elif op == "in":
            parts = [p.strip() for p in text.split(",") if p.strip()]
            cond = attr.is_in([val(p) for p in parts])
        elif op == "begins_with":
            cond = attr.begins_with(val(text))
        elif op == "contains":
            cond = attr.contains(val(text))
        elif op == "not contains":
            cond = attr.not_contains(val(text))
        else:
            cond = attr.compare(op, val(text))
        return Not(cond) if self.negate.isChecked() else cond


class QueryBuilder(QWidget):
    """Builds a `QuerySpec` for one table from typed widgets and shows its request.

    Switching between Scan and Query keeps every field; what does not apply is disabled.
    """

    runRequested = Signal(object)  # QuerySpec

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queryBuilder")
        self.info: TableInfo | None = None
        self.region = ""
        self.endpoint_url: str | None = None
        self.rows: list[FilterRow] = []
        self.attributes = QStringListModel(self)
        self._seen: set[str] = set()

        self.scan_radio = QRadioButton("Scan")
        self.scan_radio.setObjectName("scanMode")
        self.query_radio = QRadioButton("Query")
        self.query_radio.setObjectName("queryMode")
        self.mode = QButtonGroup(self)
        self.mode.addButton(self.scan_radio)
        self.mode.addButton(self.query_radio)
        self.scan_radio.setChecked(True)
        self.target = QComboBox()
        self.target.setObjectName("target")
        self.target.setToolTip("The table or one of its indexes")
        self.target.setMinimumContentsLength(8)
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)

        self.pk_label = QLabel("Partition key")
        self.pk_value = QLineEdit()
        self.pk_value.setObjectName("partitionValue")
        self.pk_value.setMinimumWidth(80)
        self.sk_label = QLabel("Sort key")
        self.sk_op = _combo(["(any)", *KEY_OPERATORS], "sortOperator")
        self.sk_value = QLineEdit()
        self.sk_value.setObjectName("sortValue")
        self.sk_value.setMinimumWidth(60)
        self.sk_value2 = QLineEdit()
        self.sk_value2.setObjectName("sortValue2")
        self.sk_value2.setPlaceholderText("and")
        self.sk_value2.setMinimumWidth(50)

        self.join = _combo(["all of (AND)", "any of (OR)"], "filterJoin")
        self.join.setMinimumContentsLength(11)
        self.add_filter_button = QPushButton("+ Filter")
        self.add_filter_button.setObjectName("addFilter")
        self.filters_box = QVBoxLayout()
        self.filters_box.setSpacing(3)

        self.projection = QLineEdit()
        self.projection.setObjectName("projection")
        self.projection.setPlaceholderText("all attributes; or e.g. name, address.city")
        self.projection.setMinimumWidth(80)
        self.descending = QCheckBox("Newest first")
        self.descending.setToolTip("Descending sort key order (ScanIndexForward = false)")
        self.descending.setObjectName("descending")
        self.limit = QSpinBox()
        self.limit.setObjectName("itemLimit")
        self.limit.setRange(0, 10_000_000)
        self.limit.setSpecialValueText("no limit")
        self.limit.setToolTip("Stop after this many items in all (0: no limit)")
        self.consistent = QCheckBox("Consistent read")
        self.consistent.setObjectName("consistentRead")
        self.hide_expired = QCheckBox("Hide expired")
        self.hide_expired.setObjectName("hideExpired")
        self.hide_expired.setToolTip("Leave out items whose TTL time has passed (DynamoDB "
                                     "deletes them within a few days; reads still return "
                                     "them until then)")
        self.segments = QSpinBox()
        self.segments.setObjectName("segments")
        self.segments.setRange(1, 1000)
        self.segments.setPrefix("Segments ")
        self.segments.setToolTip("A parallel scan: this many segments read side by side "
                                 "(Scan only; 1 = an ordinary scan)")
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Run it (Ctrl+Enter)")
        self.run_button.setObjectName("runQuery")
        self.run_button.setProperty("primary", True)
        self.problem = QLabel()
        self.problem.setObjectName("builderProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(5)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.scan_radio)
        mode_row.addWidget(self.query_radio)
        mode_row.addWidget(self.target, 1)
        form.addWidget(QLabel("Read"), 0, 0)
        form.addLayout(mode_row, 0, 1)
        form.addWidget(self.pk_label, 1, 0)
        form.addWidget(self.pk_value, 1, 1)
        sk_row = QHBoxLayout()
        sk_row.addWidget(self.sk_op)
        sk_row.addWidget(self.sk_value, 2)
        sk_row.addWidget(self.sk_value2, 1)
        form.addWidget(self.sk_label, 2, 0)
        form.addLayout(sk_row, 2, 1)
        filter_head = QHBoxLayout()
        filter_head.addWidget(self.join)
        filter_head.addWidget(self.add_filter_button)
        filter_head.addStretch(1)
        form.addWidget(QLabel("Filter"), 3, 0, Qt.AlignmentFlag.AlignTop)
        filters = QVBoxLayout()
        filters.addLayout(filter_head)
        filters.addLayout(self.filters_box)
        form.addLayout(filters, 3, 1)
        form.addWidget(QLabel("Projection"), 4, 0)
        form.addWidget(self.projection, 4, 1)
        options = QHBoxLayout()
        options.addWidget(self.descending)
        options.addWidget(self.consistent)
        options.addWidget(self.hide_expired)
        options.addStretch(1)
        form.addWidget(QLabel("Options"), 5, 0)
        form.addLayout(options, 5, 1)
        run_row = QHBoxLayout()
        run_row.addWidget(self.limit)
        run_row.addWidget(self.segments)
        run_row.addStretch(1)
        run_row.addWidget(self.run_button)
        form.addWidget(QLabel("Items wanted"), 6, 0)
        form.addLayout(run_row, 6, 1)
        form.setColumnStretch(1, 1)

        form_widget = QWidget()
        form_layout = QVBoxLayout(form_widget)
        form_layout.setContentsMargins(6, 6, 6, 6)
        form_layout.addLayout(form)
        form_layout.addWidget(self.problem)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(form_widget)

        self.code_tabs = QTabWidget()
        self.code_tabs.setObjectName("codeTabs")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.code: dict[str, QPlainTextEdit] = {}
        for name in ("Request", "boto3", "AWS CLI", "PartiQL"):
            view = QPlainTextEdit()
            view.setObjectName(f"code{name.replace(' ', '')}")
            view.setReadOnly(True)
            view.setFont(mono)
            view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.code[name] = view
            self.code_tabs.addTab(view, name)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("copyCode")
        self.copy_button.setToolTip("Copy the code in view")
        self.code_tabs.setCornerWidget(self.copy_button)

        split = QSplitter()
        split.addWidget(scroll)
        split.addWidget(self.code_tabs)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(120)
        self._refresh.timeout.connect(self.update_request)
        for signal in (self.pk_value.textChanged, self.sk_value.textChanged,
                       self.sk_value2.textChanged, self.projection.textChanged,
                       self.descending.toggled, self.consistent.toggled,
                       self.limit.valueChanged, self.sk_op.currentIndexChanged,
                       self.segments.valueChanged, self.hide_expired.toggled,
                       self.join.currentIndexChanged):
            signal.connect(self._changed)
        self.mode.buttonToggled.connect(lambda *_: self._mode_changed())
        self.target.currentIndexChanged.connect(lambda _i: self._target_changed())
        self.add_filter_button.clicked.connect(lambda: self.add_filter())
        self.run_button.clicked.connect(self.run)
        self.copy_button.clicked.connect(self.copy_code)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.run)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.run)
        self._mode_changed()

    # --- the table ---------------------------------------------------------------------

    def set_table(self, info: TableInfo, region: str = "", endpoint_url: str | None = None,
                  index: str | None = None) -> None:
        """Point the builder at a table (and maybe one of its indexes); keep the fields."""
        self.info = info
        self.region, self.endpoint_url = region, endpoint_url
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem(f"{info.name} (table)", None)
        for i in info.indexes:
            self.target.addItem(f"{i.name} ({i.kind})", i.name)
        pos = self.target.findData(index) if index else 0
        self.target.setCurrentIndex(max(pos, 0))
        self.target.blockSignals(False)
        self.see_attributes([k.name for k in info.keys] + list(info.attribute_types))
        ttl_on = bool(info.ttl_attribute) and info.ttl_status in ("ENABLED", "ENABLING",
                                                                  "DISABLING")
        self.hide_expired.setEnabled(ttl_on)
        if not ttl_on:
            self.hide_expired.setChecked(False)
        self.hide_expired.setText(f"Hide expired ({info.ttl_attribute})" if ttl_on
                                  else "Hide expired")
        self._target_changed()

    def see_attributes(self, names: Iterable[str]) -> None:
        """Attribute names met in results feed the filter path completion."""
        new = set(names) - self._seen
        if new:
            self._seen |= new
            self.attributes.setStringList(sorted(self._seen))

    def _keys(self) -> tuple[KeyAttribute, ...]:
        assert self.info is not None
        index = self.target.currentData()
        if index:
            return next(i.keys for i in self.info.indexes if i.name == index)
        return self.info.keys

    def _target_changed(self) -> None:
        if self.info is None:
            return
        keys = self._keys()
        pk = keys[0]
        self.pk_label.setText(f"{pk.name} ({pk.attribute_type}) =")
        self.pk_label.setToolTip(f"{pk.name}: the partition key, a {pk.attribute_type}")
        if len(keys) > 1:
            sk = keys[1]
            self.sk_label.setText(f"{sk.name} ({sk.attribute_type})")
        else:
            self.sk_label.setText("Sort key (none)")
        index = self.target.currentData()
        on_gsi = bool(index) and any(i.name == index and i.kind == "GSI"
                                     for i in self.info.indexes)
        self.consistent.setEnabled(not on_gsi)
        if on_gsi:
            self.consistent.setChecked(False)
        self.consistent.setToolTip("Global secondary indexes only support eventually "
                                   "consistent reads" if on_gsi else "Read the latest data "
                                   "(twice the read capacity)")
        self._mode_changed()

    def _mode_changed(self) -> None:
        query = self.query_radio.isChecked()
        has_sort = self.info is not None and len(self._keys()) > 1
        for w in (self.pk_label, self.pk_value):
            w.setEnabled(query)
        for w in (self.sk_label, self.sk_op, self.sk_value, self.sk_value2):
            w.setEnabled(query and has_sort)
        self.sk_value2.setVisible(self.sk_op.currentText() == "between")
        self.descending.setEnabled(query and has_sort)
        self.segments.setEnabled(not query)
        self._changed()

    # --- filters -----------------------------------------------------------------------

    def add_filter(self, path: str = "", op: str = "=", value: str = "", kind: str = "auto",
                   value2: str = "", negate: bool = False,
                   group: int | None = None) -> FilterRow:
        """Add a filter row. Without a `group`, the row gets a group of its own, so rows
        join with the form's "all of" / "any of" until the user groups them."""
        if group is None:
            group = min(9, max((r.group.value() for r in self.rows), default=0) + 1)
        row = FilterRow(self.attributes)
        row.set(path, op, value, kind, value2, negate, group)
        row.changed.connect(self._changed)
        row.removed.connect(self._remove_filter)
        self.rows.append(row)
        self.filters_box.addWidget(row)
        if not path:
            row.path.setFocus()
        self._changed()
        return row

    def _remove_filter(self, row: FilterRow) -> None:
        self.rows.remove(row)
        row.setParent(None)
        row.deleteLater()
        self._changed()

    def clear_filters(self) -> None:
        for row in list(self.rows):
            self._remove_filter(row)

    # --- the spec ----------------------------------------------------------------------

    def spec(self) -> QuerySpec:
        """The spec the fields describe; `DynascopeError` saying what to fix if they are
        not complete or not valid."""
        if self.info is None:
            raise SpecError("Select a table first.")
        keys = self._keys()
        key_condition: KeyCondition | None = None
        if self.query_radio.isChecked():
            pk = keys[0]
            if not self.pk_value.text():
                raise SpecError(f"A Query needs a value for the partition key {pk.name}.",
                                "Type it, or switch to Scan.")
            key_condition = Key(pk.name).eq(parse_value(self.pk_value.text(),
                                                        pk.attribute_type, pk.name))
            op = self.sk_op.currentText()
            if len(keys) > 1 and op != "(any)":
                sk = keys[1]
                first = parse_value(self.sk_value.text(), sk.attribute_type, sk.name)
                key = Key(sk.name)
                if op == "between":
                    second = parse_value(self.sk_value2.text(), sk.attribute_type, sk.name)
                    term = key.between(first, second)
                elif op == "begins_with":
                    term = key.begins_with(first)
                else:
                    term = {"=": key.eq, "<": key.lt, "<=": key.lte, ">": key.gt,
                            ">=": key.gte}[op](first)
                key_condition = key_condition & term
        groups: dict[int, list[Condition]] = {}
        for row in self.rows:
            cond = row.condition()
            if cond is not None:
                groups.setdefault(row.group.value(), []).append(cond)
        outer, inner = (And, Or) if self.join.currentIndex() == 0 else (Or, And)
        parts = [conds[0] if len(conds) == 1 else inner(*conds)
                 for _n, conds in sorted(groups.items())]
        filter_: Condition | None = None
        if len(parts) == 1:
            filter_ = parts[0]
        elif parts:
            filter_ = outer(*parts)
        if self.hide_expired.isChecked() and self.hide_expired.isEnabled():
            alive = not_expired(self.info.ttl_attribute, datetime.now(UTC))
            filter_ = alive if filter_ is None else And(filter_, alive)
        projection = tuple(p.strip() for p in self.projection.text().split(",") if p.strip())
        spec = QuerySpec(
            table=self.info.name,
            index=self.target.currentData(),
            key_condition=key_condition,
            filter=filter_,
            projection=projection,
            forward=not (self.descending.isChecked() and self.descending.isEnabled()),
            limit=self.limit.value() or None,
            consistent_read=self.consistent.isChecked() and self.consistent.isEnabled(),
            segments=self.segments.value() if self.segments.isEnabled() else 1,
        )
        if spec.segments > 1 and spec.limit:
            raise SpecError("Items wanted cannot be combined with a parallel scan: each "
                            "segment reads on its own.",
                            "Set segments to 1, or clear items wanted.")
        spec.validate(self.info)
        return spec

    # --- what the user typed, for history and saved queries --------------------------

    def state(self) -> dict[str, Any]:
        """Every field as plain JSON data (no table: that is the history's key)."""
        return {
            "mode": "query" if self.query_radio.isChecked() else "scan",
            "index": self.target.currentData(),
            "pk": self.pk_value.text(),
            "sk_op": self.sk_op.currentText(),
            "sk": self.sk_value.text(),
            "sk2": self.sk_value2.text(),
            "filters": [{"path": r.path.text(), "op": r.op.currentText(),
                         "kind": r.kind.currentText(), "value": r.value.text(),
                         "value2": r.value2.text(), "negate": r.negate.isChecked(),
                         "group": r.group.value()}
                        for r in self.rows],
            "join": self.join.currentIndex(),
            "projection": self.projection.text(),
            "descending": self.descending.isChecked(),
            "limit": self.limit.value(),
            "consistent": self.consistent.isChecked(),
            "segments": self.segments.value(),
            "hide_expired": self.hide_expired.isChecked(),
        }

    def set_state(self, state: dict[str, Any]) -> None:
        """Fill the fields from `state()` of an earlier run (unknown keys are ignored)."""
        pos = self.target.findData(state.get("index"))
        self.target.setCurrentIndex(max(pos, 0))
        (self.query_radio if state.get("mode") == "query" else self.scan_radio).setChecked(True)
        self.pk_value.setText(str(state.get("pk", "")))
        self.sk_op.setCurrentText(str(state.get("sk_op", "(any)")))
        self.sk_value.setText(str(state.get("sk", "")))
        self.sk_value2.setText(str(state.get("sk2", "")))
        self.clear_filters()
        for f in state.get("filters", []):
            self.add_filter(str(f.get("path", "")), str(f.get("op", "=")),
                            str(f.get("value", "")), str(f.get("kind", "auto")),
                            str(f.get("value2", "")), bool(f.get("negate", False)),
                            f.get("group"))
        self.join.setCurrentIndex(int(state.get("join", 0)))
        self.projection.setText(str(state.get("projection", "")))
        self.descending.setChecked(bool(state.get("descending", False)))
        self.limit.setValue(int(state.get("limit", 0)))
        self.consistent.setChecked(bool(state.get("consistent", False)))
        self.segments.setValue(int(state.get("segments", 1)))
        self.hide_expired.setChecked(bool(state.get("hide_expired", False)))
        self.update_request()

    def summary(self) -> str:
        """One line saying what the fields ask for, for the history list."""
        st = self.state()
        keys = self._keys() if self.info is not None else ()
        parts = ["Query" if st["mode"] == "query" else "Scan"]
        if st["index"]:
            parts.append(f"on {st['index']}")
        if st["mode"] == "query" and keys:
            parts.append(f"{keys[0].name} = {st['pk']}")
            if len(keys) > 1 and st["sk_op"] != "(any)":
                tail = f" and {st['sk2']}" if st["sk_op"] == "between" else ""
                parts.append(f"{keys[1].name} {st['sk_op']} {st['sk']}{tail}")
        joiner, inside = (" AND ", " OR ") if st["join"] == 0 else (" OR ", " AND ")
        groups: dict[int, list[str]] = {}
        for f in st["filters"]:
            if f["path"]:
                text = ("NOT " if f["negate"] else "") + f"{f['path']} {f['op']} {f['value']}"
                groups.setdefault(f["group"], []).append(text.strip())
        filters = [t[0] if len(t) == 1 else "(" + inside.join(t) + ")"
                   for _n, t in sorted(groups.items())]
        if filters:
            parts.append("where " + joiner.join(filters))
        if st["projection"]:
            parts.append(f"→ {st['projection']}")
        if st["descending"] and st["mode"] == "query":
            parts.append("newest first")
        if st["hide_expired"]:
            parts.append("hiding expired")
        return " · ".join(parts)

    def _changed(self, *_args: Any) -> None:
        self._refresh.start()

    def update_request(self) -> QuerySpec | None:
        """Show the request as it will be sent, or what keeps it from being sent."""
        self._refresh.stop()
        if self.info is None:
            return None
        try:
            spec = self.spec()
            code = codegen.generate(spec, self.info, region=self.region,
                                    endpoint_url=self.endpoint_url)
        except (DynascopeError, ValueError) as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.run_button.setEnabled(False)
            return None
        self.problem.hide()
        self.run_button.setEnabled(True)
        request = dict(code.request)
        self.code["Request"].setPlainText(
            f"{spec.operation}\n" + json.dumps(request, indent=2, default=_json_bytes))
        self.code["boto3"].setPlainText(code.python)
        self.code["AWS CLI"].setPlainText(code.cli)
        self.code["PartiQL"].setPlainText(
            code.partiql or "-- No PartiQL statement does exactly this request (size(), "
                            "attribute_type, binary values, page sizes and consistent reads "
                            "have no faithful PartiQL form).")
        return spec

    def run(self) -> None:
        spec = self.update_request()
        if spec is not None:
            self.runRequested.emit(spec)

    def copy_code(self) -> None:
        view = self.code_tabs.currentWidget()
        if isinstance(view, QPlainTextEdit):
            QGuiApplication.clipboard().setText(view.toPlainText())


def _json_bytes(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(type(value).__name__)


__all__ = ["FilterRow", "QueryBuilder", "parse_value"]

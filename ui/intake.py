"""受理: the intake form, made for speed at a busy window.

Everything works from the keyboard in the order of the paper form: Tab or Enter moves
on (Shift+Enter starts a new line in the content), F2 or Ctrl+1 accepts the top routing
suggestion, Ctrl+Enter saves and prints, Ctrl+S saves without printing.  The credit
code field accepts a USB scanner's burst (a licence QR payload) and keeps only the code.
What is typed is kept as a draft on disk until the case is stored.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from models import protocol as p
from models import uscc as uscc_mod
from models.calendar import BEIJING, iso, now

from .context import AppContext, channel_text, fmt_time, grade_text, industry_text, status_text
from .errors import show_exception
from .i18n import tr
from .operations import Op
from .qt import (QCheckBox, QComboBox, QDateTime, QDateTimeEdit, QEvent, QFileDialog, QFormLayout, QFrame,
                 QGroupBox, QHBoxLayout, QImageReader, QKeySequence, QLabel, QLineEdit, QListWidget,
                 QListWidgetItem, QPixmap, QPlainTextEdit, QPushButton, QShortcut, QSize, QSizePolicy, Qt,
                 QTimer, QVBoxLayout, QWidget, Signal)

log = logging.getLogger(__name__)

ROUTE_DEBOUNCE_MS = 350
USCC_SETTLE_MS = 60       # a scanner types a whole payload within a few ms per key
DRAFT_DEBOUNCE_MS = 600
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class IntakeView(QWidget):
    case_saved = Signal(dict)          # the stored case (after attachments), main thread
    receipt_written = Signal(str)      # path of the receipt PDF

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.store = ctx.store
        self.setObjectName("IntakeView")
        self.setAcceptDrops(True)
        self._saving = False
        self._suggestions: list[dict] = []
        self._suggested_co: list[str] = []
        self._route_generation = 0
        self._enterprise_code: str | None = None
        self._autofilled: dict[str, str] = {}
        self._restoring = False
        self._attachments: list[str] = []
        self.last_case: dict | None = None
        self.last_receipt: str | None = None

        self._build()
        self._wire()
        self._update_deadline()
        QTimer.singleShot(0, self._offer_draft)

    # -- building ---------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)

        self.draft_banner = QFrame()
        self.draft_banner.setObjectName("draftBanner")
        self.draft_banner.setStyleSheet("#draftBanner { background: #fff4d6; border: 1px solid #e0c060; }")
        banner = QHBoxLayout(self.draft_banner)
        self.draft_label = QLabel()
        self.restore_button = QPushButton(tr("Restore draft (Ctrl+R)"))
        self.discard_button = QPushButton(tr("Discard"))
        banner.addWidget(self.draft_label, 1)
        banner.addWidget(self.restore_button)
        banner.addWidget(self.discard_button)
        self.draft_banner.hide()
        outer.addWidget(self.draft_banner)

        columns = QHBoxLayout()
        outer.addLayout(columns, 1)

        form_box = self.form_box = QGroupBox(tr("Petition"))
        form = QFormLayout(form_box)
        form.setLabelAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.uscc_edit = QLineEdit()
        self.uscc_edit.setPlaceholderText(tr("Type or scan the licence QR code"))
        self.uscc_edit.setMaxLength(512)  # a scanner's payload may be a long URL
        self.uscc_status = QLabel()
        self.uscc_status.setObjectName("usccStatus")
        uscc_row = QHBoxLayout()
        uscc_row.addWidget(self.uscc_edit, 1)
        uscc_row.addWidget(self.uscc_status)
        form.addRow(tr("Credit code") + " *", uscc_row)
        self.name_edit = QLineEdit()
        form.addRow(tr("Enterprise") + " *", self.name_edit)
        self.contact_edit = QLineEdit()
        self.contact_edit.setPlaceholderText(tr("The person at the window"))
        self.phone_edit = QLineEdit()
        contact_row = QHBoxLayout()
        contact_row.addWidget(self.contact_edit, 1)
        contact_row.addWidget(QLabel(tr("Phone")))
        contact_row.addWidget(self.phone_edit, 1)
        form.addRow(tr("Contact"), contact_row)
        self.channel_combo = QComboBox()
        for channel in p.CHANNELS:
            self.channel_combo.addItem(channel_text(channel), channel)
        form.addRow(tr("Channel"), self.channel_combo)
        self.title_edit = QLineEdit()
        self.title_edit.setMaxLength(self.store.county.title_limit)
        self.title_edit.setPlaceholderText(tr("Optional: the first sentence is used when empty"))
        form.addRow(tr("Title"), self.title_edit)
        self.content_edit = QPlainTextEdit()
        self.content_edit.setTabChangesFocus(True)
        self.content_edit.setPlaceholderText(tr("What the enterprise asks for (Shift+Enter: new line)"))
        self.content_edit.setMinimumHeight(110)
        self.content_edit.setMaximumHeight(220)
        form.addRow(tr("Content") + " *", self.content_edit)
        self.category_edit = QLineEdit()
        form.addRow(tr("Category"), self.category_edit)
        self.lead_combo = QComboBox()
        self.lead_combo.addItem(tr("Automatic (top suggestion)"), None)
        for code, dept in self.store.county.departments.items():
            self.lead_combo.addItem(f"{dept.name}", code)
        form.addRow(tr("Lead department"), self.lead_combo)
        self.co_list = QListWidget()
        self.co_list.setObjectName("coDepts")
        self.co_list.setFlow(QListWidget.LeftToRight)
        self.co_list.setWrapping(True)
        self.co_list.setFixedHeight(92)
        self.co_list.setGridSize(QSize(118, 20))
        for code, dept in self.store.county.departments.items():
            item = QListWidgetItem(dept.short or dept.name)
            item.setData(Qt.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.co_list.addItem(item)
        form.addRow(tr("Co-departments"), self.co_list)
        self.grade_combo = QComboBox()
        for grade in p.GRADES:
            days = self.store.county.grade_days[grade]
            self.grade_combo.addItem(tr("{grade} ({days} working days)").format(grade=grade_text(grade), days=days),
                                     grade)
        self.grade_combo.setCurrentIndex(1)
        self.deadline_label = QLabel()
        self.deadline_label.setObjectName("deadlineLabel")
        self.deadline_label.setWordWrap(True)
        grade_row = QHBoxLayout()
        grade_row.addWidget(self.grade_combo)
        grade_row.addWidget(self.deadline_label, 1)
        form.addRow(tr("Grade"), grade_row)
        self.backentry_check = QCheckBox(tr("Back-entry of a paper receipt, received at"))
        self.received_edit = QDateTimeEdit()
        self.received_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.received_edit.setCalendarPopup(True)
        self.received_edit.setEnabled(False)
        self.received_edit.setDateTime(QDateTime.currentDateTime())
        back_row = QHBoxLayout()
        back_row.addWidget(self.backentry_check)
        back_row.addWidget(self.received_edit)
        back_row.addStretch(1)
        form.addRow(tr("Received"), back_row)
        self.attach_list = QListWidget()
        self.attach_list.setObjectName("attachments")
        self.attach_list.setMaximumHeight(70)
        self.attach_list.setIconSize(QSize(48, 48))
        self.attach_list.setFlow(QListWidget.LeftToRight)
        self.attach_button = QPushButton(tr("Add… (Ctrl+O)"))
        self.remove_attach_button = QPushButton(tr("Remove"))
        attach_row = QHBoxLayout()
        attach_row.addWidget(self.attach_list, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.attach_button)
        buttons.addWidget(self.remove_attach_button)
        attach_row.addLayout(buttons)
        form.addRow(tr("Attachments"), attach_row)
        self.attach_hint = QLabel(tr("Drop photos, scans or recordings here"))
        self.attach_hint.setStyleSheet("color: #777;")
        form.addRow("", self.attach_hint)

        actions = QHBoxLayout()
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.clear_button = QPushButton(tr("New (Ctrl+N)"))
        self.save_button = QPushButton(tr("Save"))
        self.save_print_button = QPushButton(tr("Save and print (Ctrl+Enter)"))
        self.save_print_button.setDefault(False)
        self.save_print_button.setStyleSheet("font-weight: bold; padding: 4px 12px;")
        actions.addWidget(self.result_label, 1)
        actions.addWidget(self.clear_button)
        actions.addWidget(self.save_button)
        actions.addWidget(self.save_print_button)
        form.addRow(actions)
        columns.addWidget(form_box, 3)

        side = QVBoxLayout()
        profile_box = QGroupBox(tr("Enterprise profile"))
        profile_layout = QVBoxLayout(profile_box)
        self.profile_label = QLabel(tr("Enter a credit code to see the enterprise."))
        self.profile_label.setWordWrap(True)
        self.profile_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.petitions_list = QListWidget()
        self.petitions_list.setFocusPolicy(Qt.NoFocus)
        profile_layout.addWidget(self.profile_label)
        profile_layout.addWidget(QLabel(tr("Earlier petitions")))
        profile_layout.addWidget(self.petitions_list, 1)
        side.addWidget(profile_box, 3)

        route_box = QGroupBox(tr("Suggested departments (F2 accepts the first)"))
        route_layout = QVBoxLayout(route_box)
        self.suggestion_list = QListWidget()
        self.suggestion_list.setObjectName("suggestions")
        self.suggestion_list.setFocusPolicy(Qt.NoFocus)
        self.suggestion_list.setWordWrap(True)
        route_layout.addWidget(self.suggestion_list)
        side.addWidget(route_box, 2)

        preview_box = QGroupBox(tr("Preview"))
        preview_layout = QVBoxLayout(preview_box)
        self.preview_label = QLabel()
        self.preview_label.setAlignment(Qt.AlignCenter)
        self.preview_label.setMinimumHeight(100)
        self.preview_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)
        preview_layout.addWidget(self.preview_label)
        side.addWidget(preview_box, 2)
        columns.addLayout(side, 2)

        # paper form order; side panels are reachable by mouse only and never steal Tab
        chain = [self.uscc_edit, self.name_edit, self.contact_edit, self.phone_edit, self.channel_combo,
                 self.title_edit, self.content_edit, self.category_edit, self.lead_combo, self.co_list,
                 self.grade_combo, self.backentry_check, self.received_edit, self.attach_list,
                 self.attach_button, self.save_print_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)
        self._chain = chain
        for widget in chain:
            widget.installEventFilter(self)

    def _wire(self) -> None:
        self._uscc_timer = _single_shot(self, USCC_SETTLE_MS, self._settle_uscc)
        self._route_timer = _single_shot(self, ROUTE_DEBOUNCE_MS, self._request_routing)
        self._draft_timer = _single_shot(self, DRAFT_DEBOUNCE_MS, self.save_draft)
        self.uscc_edit.textEdited.connect(lambda _t: self._uscc_timer.start())
        self.uscc_edit.textChanged.connect(self._show_uscc_state)
        for edit in (self.title_edit,):
            edit.textChanged.connect(lambda _t: self._route_timer.start())
        self.content_edit.textChanged.connect(self._route_timer.start)
        for edit in (self.uscc_edit, self.name_edit, self.contact_edit, self.phone_edit, self.title_edit,
                     self.category_edit):
            edit.textChanged.connect(self._changed)
        self.content_edit.textChanged.connect(self._changed)
        for combo in (self.channel_combo, self.lead_combo, self.grade_combo):
            combo.currentIndexChanged.connect(self._changed)
        self.co_list.itemChanged.connect(self._changed)
        self.grade_combo.currentIndexChanged.connect(self._update_deadline)
        self.backentry_check.toggled.connect(self._backentry_toggled)
        self.received_edit.dateTimeChanged.connect(self._update_deadline)
        self.received_edit.dateTimeChanged.connect(self._changed)
        self.attach_button.clicked.connect(self.choose_attachments)
        self.remove_attach_button.clicked.connect(self.remove_selected_attachment)
        self.attach_list.currentRowChanged.connect(self._preview_attachment)
        self.save_print_button.clicked.connect(lambda: self.save(print_receipt=True))
        self.save_button.clicked.connect(lambda: self.save(print_receipt=False))
        self.clear_button.clicked.connect(self.new_form)
        self.restore_button.clicked.connect(self.restore_draft)
        self.discard_button.clicked.connect(self.discard_draft)
        shortcuts = [
            ("Ctrl+Return", lambda: self.save(print_receipt=True)),
            ("Ctrl+Enter", lambda: self.save(print_receipt=True)),
            ("Ctrl+S", lambda: self.save(print_receipt=False)),
            ("F2", self.accept_top_suggestion),
            ("Ctrl+1", self.accept_top_suggestion),
            ("Ctrl+O", self.choose_attachments),
            ("Ctrl+N", self.new_form),
            ("Ctrl+R", self.restore_draft),
        ]
        self._shortcuts = []
        for keys, slot in shortcuts:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            self._shortcuts.append(shortcut)

    # -- keyboard ---------------------------------------------------------------------
    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter):
            mods = event.modifiers() & ~Qt.KeypadModifier
            if mods & Qt.ControlModifier:
                self.save(print_receipt=True)
                return True
            if watched is self.content_edit and mods & Qt.ShiftModifier:
                return False  # a new line inside the content
            if isinstance(watched, QComboBox) and watched.view().isVisible():
                return False  # Enter picks the item in an open popup
            if watched is self.uscc_edit:
                self._settle_uscc()
            if watched is self.backentry_check:
                self.backentry_check.toggle()
                return True
            if watched is self.save_print_button:
                self.save(print_receipt=True)
                return True
            if watched is self.attach_button:
                self.choose_attachments()
                return True
            self.focusNextChild()
            return True
        return super().eventFilter(watched, event)

    # -- credit code and enterprise ---------------------------------------------------
    def _settle_uscc(self) -> None:
        """Keep only the code from what the clerk or a scanner typed, then look it up."""
        self._uscc_timer.stop()
        raw = self.uscc_edit.text()
        code = uscc_mod.extract(raw)
        if code != raw and uscc_mod.problem(code) is None:
            self.uscc_edit.setText(code)
        elif code != raw and len(uscc_mod.normalise(raw)) == len(code):
            self.uscc_edit.setText(code)  # normalised spelling (full width, spaces, lower case)
        self._show_uscc_state()

    def _show_uscc_state(self) -> None:
        code = uscc_mod.normalise(self.uscc_edit.text())
        if not code:
            self.uscc_status.setText("")
            self.uscc_edit.setStyleSheet("")
            return
        problem = uscc_mod.problem(code)
        if problem is None:
            info = uscc_mod.describe(code)
            self.uscc_status.setText("✓ " + info["entity_type"])
            self.uscc_status.setStyleSheet("color: #1a7f37;")
            self.uscc_edit.setStyleSheet("")
            if code != self._enterprise_code:
                self._enterprise_code = code
                self._look_up_enterprise(code)
        else:
            short = len(code) < 18
            self.uscc_status.setText(tr("{n}/18").format(n=len(code)) if short else "✗ " + problem)
            self.uscc_status.setStyleSheet("color: #777;" if short else "color: #b3261e;")
            self.uscc_edit.setStyleSheet("" if short else "background: #fde7e5;")
            self.uscc_status.setToolTip(problem)

    def _look_up_enterprise(self, code: str) -> None:
        store = self.store
        Op(lambda: store.enterprise(code)).success(lambda profile: self._show_enterprise(code, profile)) \
            .run_in_background(owner=self)

    def _show_enterprise(self, code: str, profile: dict | None) -> None:
        if code != self._enterprise_code:
            return  # the clerk moved on to another code
        self.petitions_list.clear()
        if profile is None:
            self.profile_label.setText(tr("New enterprise: not registered here before."))
            return
        # fill only what is empty: the walk-in is not always the legal representative
        for edit, key in ((self.name_edit, "name"), (self.contact_edit, "contact"), (self.phone_edit, "phone")):
            if profile.get(key) and (not edit.text() or edit.text() == self._autofilled.get(key)):
                edit.setText(profile[key])
                self._autofilled[key] = profile[key]
        lines = [f"<b>{_esc(profile['name'])}</b>"]
        for label, key in ((tr("Type"), "type"), (tr("Industry"), "industry"), (tr("Scale"), "scale"),
                           (tr("Legal representative"), "legal_rep"), (tr("Address"), "address"),
                           (tr("Contact"), "contact"), (tr("Phone"), "phone")):
            if profile.get(key):
                value = industry_text(profile[key]) if key == "industry" else profile[key]
                lines.append(f"{label}：{_esc(value)}")
        petitions = profile.get("petitions", [])
        lines.append(tr("{n} earlier petitions").format(n=len(petitions)))
        self.profile_label.setText("<br>".join(lines))
        for petition in petitions[:50]:
            text = (f"{fmt_time(petition['received_at'])[:10]}  {petition['title']}  "
                    f"[{status_text(petition['status'])}"
                    + (f" · {petition['rating']}" if petition.get("rating") else "") + "]")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, petition["id"])
            self.petitions_list.addItem(item)

    # -- routing ----------------------------------------------------------------------
    def _request_routing(self) -> None:
        title, content = self.title_edit.text(), self.content_edit.toPlainText()
        self._route_generation += 1
        generation = self._route_generation
        if not (title.strip() or content.strip()):
            self._show_suggestions(generation, ([], []))
            return
        store = self.store

        def rank():
            ranked = store.route(title, content)
            co = store.router.suggest_co_depts(ranked, ranked[0].dept) if ranked else []
            return [s.as_dict() for s in ranked], co

        Op(rank).success(lambda result: self._show_suggestions(generation, result)).run_in_background(owner=self)

    def _show_suggestions(self, generation: int, result) -> None:
        if generation != self._route_generation:
            return
        self._suggestions, self._suggested_co = result
        self.suggestion_list.clear()
        for i, s in enumerate(self._suggestions):
            if i and s["score"] < 0.01:
                break  # the rest are noise next to a clear first choice
            prefix = "F2 ▶ " if i == 0 else "      "
            item = QListWidgetItem(f"{prefix}{s['name']}  {s['score']:.0%}\n      {s['reason']}")
            item.setData(Qt.UserRole, s["dept"])
            self.suggestion_list.addItem(item)
        self._update_auto_label()

    def _update_auto_label(self) -> None:
        top = self._suggestions[0]["name"] if self._suggestions else ""
        text = tr("Automatic (top suggestion)") + (f"：{top}" if top else "")
        self.lead_combo.setItemText(0, text)

    def accept_top_suggestion(self) -> None:
        """One key takes the first suggestion as lead and its co-departments."""
        if self._route_timer.isActive():
            self._route_timer.stop()
            self._request_routing()
        if not self._suggestions:
            return
        top = self._suggestions[0]["dept"]
        index = self.lead_combo.findData(top)
        if index >= 0:
            self.lead_combo.setCurrentIndex(index)
        self.set_co_depts([c for c in self._suggested_co if c != top])
        self.grade_combo.setFocus()

    def set_co_depts(self, codes) -> None:
        wanted = set(codes)
        for i in range(self.co_list.count()):
            item = self.co_list.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in wanted else Qt.Unchecked)

    def co_depts(self) -> list[str]:
        return [self.co_list.item(i).data(Qt.UserRole) for i in range(self.co_list.count())
                if self.co_list.item(i).checkState() == Qt.Checked]

    # -- deadline ---------------------------------------------------------------------
    def _backentry_toggled(self, on: bool) -> None:
        self.received_edit.setEnabled(on)
        if on and not self._restoring:
            self.received_edit.setDateTime(QDateTime.currentDateTime())
            self.received_edit.setFocus()
        self._update_deadline()
        self._changed()

    def received_at(self) -> dt.datetime | None:
        if not self.backentry_check.isChecked():
            return None
        qdt = self.received_edit.dateTime()
        d, t = qdt.date(), qdt.time()
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=BEIJING)

    def _update_deadline(self) -> None:
        grade = self.grade_combo.currentData()
        start = self.received_at() or now()
        deadline = self.store.deadline(start, grade)
        text = tr("Due {when}").format(when=fmt_time(iso(deadline.due_at)))
        if deadline.provisional:
            text += "  <b style='color:#b06000'>" + tr("provisional") + "</b>"
            self.deadline_label.setToolTip(deadline.provisional_reason)
        else:
            self.deadline_label.setToolTip("")
        self.deadline_label.setText(text)

    # -- attachments ------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        self.add_attachments(paths)
        event.acceptProposedAction()

    def choose_attachments(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, tr("Add attachments"), str(Path.home()),
                                                tr("Photos, scans and recordings (*.jpg *.jpeg *.png *.pdf "
                                                   "*.tif *.tiff *.mp3 *.m4a *.amr *.wav);;All files (*)"))
        self.add_attachments(paths)

    def add_attachments(self, paths) -> None:
        for path in paths:
            if not path or path in self._attachments or not Path(path).is_file():
                continue
            self._attachments.append(path)
            item = QListWidgetItem(Path(path).name)
            item.setToolTip(path)
            if Path(path).suffix.lower() in IMAGE_SUFFIXES:
                reader = QImageReader(path)
                reader.setScaledSize(QSize(48, 48))
                image = reader.read()
                if not image.isNull():
                    item.setIcon(QPixmap.fromImage(image))
            self.attach_list.addItem(item)
        if self._attachments:
            self.attach_list.setCurrentRow(self.attach_list.count() - 1)
        self._changed()

    def remove_selected_attachment(self) -> None:
        row = self.attach_list.currentRow()
        if row >= 0:
            self.attach_list.takeItem(row)
            del self._attachments[row]
            self._changed()

    def _preview_attachment(self, row: int) -> None:
        if not (0 <= row < len(self._attachments)):
            self.preview_label.clear()
            return
        path = self._attachments[row]
        if Path(path).suffix.lower() in IMAGE_SUFFIXES:
            reader = QImageReader(path)
            reader.setAutoTransform(True)
            size = reader.size()
            box = self.preview_label.size()
            if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
                reader.setScaledSize(size.scaled(box, Qt.KeepAspectRatio))
            image = reader.read()
            if not image.isNull():
                self.preview_label.setPixmap(QPixmap.fromImage(image))
                return
        self.preview_label.setText(Path(path).name)

    # -- the record -------------------------------------------------------------------
    def fields(self) -> dict:
        """Everything typed, as a draft (plain JSON)."""
        received = self.received_at()
        return {
            "uscc": self.uscc_edit.text(), "name": self.name_edit.text(), "contact": self.contact_edit.text(),
            "phone": self.phone_edit.text(), "channel": self.channel_combo.currentData(),
            "title": self.title_edit.text(), "content": self.content_edit.toPlainText(),
            "category": self.category_edit.text(), "lead_dept": self.lead_combo.currentData(),
            "co_depts": self.co_depts(), "grade": self.grade_combo.currentData(),
            "received_at": iso(received) if received else None, "attachments": list(self._attachments),
        }

    def set_fields(self, fields: dict) -> None:
        self._restoring = True
        try:
            self.uscc_edit.setText(fields.get("uscc") or "")
            self.name_edit.setText(fields.get("name") or "")
            self.contact_edit.setText(fields.get("contact") or "")
            self.phone_edit.setText(fields.get("phone") or "")
            _select_data(self.channel_combo, fields.get("channel") or "窗口")
            self.title_edit.setText(fields.get("title") or "")
            self.content_edit.setPlainText(fields.get("content") or "")
            self.category_edit.setText(fields.get("category") or "")
            _select_data(self.lead_combo, fields.get("lead_dept"))
            self.set_co_depts(fields.get("co_depts") or [])
            _select_data(self.grade_combo, fields.get("grade") or "general")
            received = fields.get("received_at")
            self.backentry_check.setChecked(bool(received))
            if received:
                when = dt.datetime.fromisoformat(received).astimezone(BEIJING)
                self.received_edit.setDateTime(QDateTime(when.year, when.month, when.day, when.hour, when.minute, 0))
            self.attach_list.clear()
            self._attachments = []
            self.add_attachments(fields.get("attachments") or [])
        finally:
            self._restoring = False
        self._show_uscc_state()
        self._update_deadline()

    def record(self) -> dict:
        f = self.fields()
        record = {
            "enterprise": {"uscc": f["uscc"], "name": f["name"].strip()},
            "contact": f["contact"].strip(), "phone": f["phone"].strip(), "channel": f["channel"],
            "title": f["title"].strip(), "content": f["content"].strip(), "category": f["category"].strip(),
            "grade": f["grade"],
        }
        if f["lead_dept"]:
            record["lead_dept"] = f["lead_dept"]
            record["co_depts"] = [c for c in f["co_depts"] if c != f["lead_dept"]]
        elif f["co_depts"]:
            record["co_depts"] = f["co_depts"]
        if f["received_at"]:
            record["received_at"] = f["received_at"]
        return record

    # -- saving -----------------------------------------------------------------------
    def save(self, *, print_receipt: bool = True) -> None:
        if self._saving:
            return
        self._settle_uscc()
        self.save_draft()  # whatever happens next, what was typed is on disk
        record = self.record()
        attachments = list(self._attachments)
        store, clerk = self.store, self.ctx.clerk

        def work():
            case = store.register(record, clerk=clerk)
            for path in attachments:
                case = {**store.add_attachment(case["id"], path, clerk=clerk),
                        "routing": case.get("routing"), "provisional_reason": case.get("provisional_reason")}
            return case

        self._set_saving(True)
        Op(work, parent_widget=self).success(lambda case: self._saved(case, print_receipt)) \
            .failure(self._save_failed).run_in_background(owner=self)

    def _set_saving(self, saving: bool) -> None:
        # the form is frozen while the case is written: keys typed meanwhile would be
        # lost when the stored form is cleared
        self._saving = saving
        self.form_box.setEnabled(not saving)
        if saving:
            self.result_label.setText(tr("Saving…"))

    def _saved(self, case: dict, print_receipt: bool) -> None:
        """The case is stored: clear the form for the next applicant at once; the receipt
        PDF is rendered in the background and printed when ready."""
        self._set_saving(False)
        self.ctx.drafts.discard()
        self.last_case = case
        message = tr("Registered {no} — {dept}, due {due}").format(
            no=case["receipt_no"], dept=self.store.county.dept_name(case["lead_dept"]),
            due=fmt_time(case["due_at"]) + (" " + tr("(provisional)") if case["deadline_provisional"] else ""))
        self.result_label.setText(message)
        self.clear_form()
        self.case_saved.emit(case)
        store, name = self.store, self.ctx.user.display_name

        def render():
            from .receipts import write_receipt
            return str(write_receipt(store, case, clerk_name=name))

        Op(render, parent_widget=self).success(lambda path: self._receipt_ready(case, path, message, print_receipt)) \
            .failure(lambda exc: self._receipt_failed(message, exc)).run_in_background(owner=self)

    def _receipt_ready(self, case: dict, path: str, message: str, print_receipt: bool) -> None:
        self.last_receipt = path
        if self.last_case is case:
            self.result_label.setText(message + "  " + tr("Receipt: {path}").format(path=Path(path).name))
        self.receipt_written.emit(path)
        if print_receipt:
            from .receipts import send_to_printer
            try:
                send_to_printer(Path(path), self.store, self)
            except Exception as exc:  # printer missing: the PDF is kept, reprint from the case
                show_exception(exc, self)

    def _receipt_failed(self, message: str, exc: BaseException) -> None:
        self.result_label.setText(message + "  " + tr("Receipt not made — reprint it from the case."))
        show_exception(exc, self)

    def _save_failed(self, exc: BaseException) -> None:
        self._set_saving(False)
        self.result_label.setText(tr("Not saved — see the message; nothing typed is lost."))
        show_exception(exc, self)
        self._focus_field(getattr(exc, "field", None))

    def _focus_field(self, name: str | None) -> None:
        widget = {
            "uscc": self.uscc_edit, "enterprise.name": self.name_edit, "contact": self.contact_edit,
            "phone": self.phone_edit, "channel": self.channel_combo, "title": self.title_edit,
            "content": self.content_edit, "category": self.category_edit, "lead_dept": self.lead_combo,
            "co_depts": self.co_list, "grade": self.grade_combo, "received_at": self.received_edit,
        }.get(name or "")
        if widget is not None:
            widget.setFocus()

    def clear_form(self) -> None:
        self._restoring = True
        try:
            for edit in (self.uscc_edit, self.name_edit, self.contact_edit, self.phone_edit, self.title_edit,
                         self.category_edit):
                edit.clear()
            self.content_edit.clear()
            self.channel_combo.setCurrentIndex(0)
            self.lead_combo.setCurrentIndex(0)
            self.set_co_depts([])
            self.grade_combo.setCurrentIndex(1)
            self.backentry_check.setChecked(False)
            self.attach_list.clear()
            self._attachments = []
            self.preview_label.clear()
            self.suggestion_list.clear()
            self.petitions_list.clear()
            self._suggestions, self._suggested_co = [], []
            self._enterprise_code = None
            self._autofilled = {}
            self.profile_label.setText(tr("Enter a credit code to see the enterprise."))
            self._update_auto_label()
        finally:
            self._restoring = False
        self._draft_timer.stop()
        self._update_deadline()
        self.uscc_edit.setFocus()

    def new_form(self) -> None:
        """Start over; what was on the form stays as the draft until it is replaced."""
        self.save_draft()
        self.clear_form()

    # -- drafts -----------------------------------------------------------------------
    def _changed(self, *_args) -> None:
        if not self._restoring:
            self._draft_timer.start()

    def save_draft(self) -> None:
        self._draft_timer.stop()
        try:
            self.ctx.drafts.save(self.fields())
        except OSError as exc:
            log.warning("draft not saved: %s", exc)

    def _offer_draft(self) -> None:
        draft = self.ctx.drafts.load()
        if not draft:
            return
        self._pending_draft = draft
        fields = draft["fields"]
        summary = fields.get("name") or fields.get("title") or (fields.get("content") or "")[:20]
        self.draft_label.setText(tr("An unsaved form from {when} was kept: {summary}").format(
            when=fmt_time(draft.get("saved_at")), summary=summary))
        self.draft_banner.show()

    def restore_draft(self) -> None:
        draft = getattr(self, "_pending_draft", None) or self.ctx.drafts.load()
        if not draft:
            return
        self.set_fields(draft["fields"])
        self._pending_draft = None
        self.draft_banner.hide()
        self.uscc_edit.setFocus()

    def discard_draft(self) -> None:
        self._pending_draft = None
        self.draft_banner.hide()
        self.ctx.drafts.discard()

    def focus_first(self) -> None:
        self.uscc_edit.setFocus()


def _single_shot(parent, interval: int, slot) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval)
    timer.timeout.connect(slot)
    return timer


def _select_data(combo: QComboBox, value) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(index if index >= 0 else 0)


def _esc(text: str) -> str:
    import html

    return html.escape(str(text))

"""The case list model: lazy, keyset-paged, never more than the rows the view asked for.

Rows arrive in blocks of ``PAGE`` from a ``CaseReader`` (its own read-only SQLite
connection) on a worker thread; the total count is computed separately in the
background, so a million-case store shows its first page at once.  A new filter or sort
starts a new *generation*: answers for an older one are dropped and its query is
interrupted.
"""
from __future__ import annotations

import logging


from models.calendar import iso, now
from models.protocol import CHANNELS, GRADES, STATUS_LABELS
from models.search import CaseFilter, CaseReader, colour_of

from .context import channel_text, deadline_text, fmt_time, grade_text, status_text
from .i18n import N_, tr
from .operations import Op
from .qt import QAbstractTableModel, QBrush, QColor, QModelIndex, Qt, Signal

log = logging.getLogger(__name__)

PAGE = 200
CASE_ID_ROLE = Qt.UserRole + 1
COLOUR_ROLE = Qt.UserRole + 2
CASE_ID_ROLE_INT = int(CASE_ID_ROLE)
COLOUR_ROLE_INT = int(COLOUR_ROLE)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_HORIZONTAL = Qt.Orientation.Horizontal
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

COLOUR_BRUSHES = {
    "red": (QColor("#f8d0cc"), QColor("#8a1c12")),
    "yellow": (QColor("#fbefc0"), QColor("#6b5200")),
    "green": (None, None),
}


class CaseTableModel(QAbstractTableModel):
    # (key, header source string, sort column in models.search.SORT_COLUMNS or None)
    COLUMNS = (
        ("receipt_no", N_("Receipt no."), "receipt_no"),
        ("received_at", N_("Received"), "received_at"),
        ("enterprise_name", N_("Enterprise"), None),
        ("title", N_("Title"), None),
        ("lead_dept", N_("Lead department"), None),
        ("grade", N_("Grade"), None),
        ("due_at", N_("Deadline"), "due_at"),
        ("status", N_("Status"), None),
        ("first_owner", N_("First contact"), None),
        ("channel", N_("Channel"), None),
    )

    count_changed = Signal(int)       # total rows matching the filter, when known
    page_loaded = Signal(int)         # rows loaded so far
    busy_changed = Signal(bool)

    def __init__(self, store, parent=None, *, reader_factory=None):
        super().__init__(parent)
        self.store = store
        factory = reader_factory or (lambda: CaseReader(store.backend.path))
        self._page_reader = factory()
        self._count_reader = factory()
        self._rows: list[dict] = []
        self._view_rows: list[tuple] = []   # (texts, background, foreground, colour) per row
        self._filter = CaseFilter()
        self._sort = "rowid"
        self._descending = True
        self._generation = 0
        self._loading: int | None = None   # generation of the page request in flight
        self._exhausted = False
        self._resetting = False
        self._total: int | None = None
        self._now_iso = iso(now())
        self._headers = [tr(h) for _, h, _ in self.COLUMNS]
        self._dept_names = {code: d.short or d.name for code, d in store.county.departments.items()}
        self._status_texts = {s: status_text(s) for s in STATUS_LABELS}
        self._channel_texts = {c: channel_text(c) for c in CHANNELS}
        self._clerk_names = self._load_clerk_names()
        self._grade_texts = {g: grade_text(g) for g in GRADES}

    # -- public -----------------------------------------------------------------------
    @property
    def total(self) -> int | None:
        return self._total

    @property
    def current_filter(self) -> CaseFilter:
        return self._filter

    def close(self) -> None:
        self._generation += 1
        for reader in (self._page_reader, self._count_reader):
            reader.interrupt()

    def set_filter(self, flt: CaseFilter) -> None:
        self._filter = flt
        self.reload()

    def case_at(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: str) -> int:
        for i, case in enumerate(self._rows):
            if case["id"] == case_id:
                return i
        return -1

    def is_loading(self) -> bool:
        # a request belongs to a generation: one for an older filter does not count
        return self._loading == self._generation

    def reload(self) -> None:
        """Start over with the current filter and sort (a new generation)."""
        self._generation += 1
        self._page_reader.interrupt()
        self._count_reader.interrupt()
        self._resetting = True  # views ask for more while the reset is announced
        self.beginResetModel()
        self._rows = []
        self._view_rows = []
        self._exhausted = False
        self._total = None
        self._now_iso = iso(now())
        self._dept_names = {code: d.short or d.name for code, d in self.store.county.departments.items()}
        self._clerk_names = self._load_clerk_names()
        self.endResetModel()
        self._resetting = False
        self._start_count()
        self._request_page()

    def _load_clerk_names(self) -> dict[str, str]:
        # the users table holds a handful of clerks: read on the UI thread, once per reload
        from models.users import Users
        try:
            return {u.username: u.display_name for u in Users(self.store.backend).all()}
        except Exception:  # names are a nicety; the user name shows instead
            return {}

    # -- lazy loading -----------------------------------------------------------------
    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self.is_loading()

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not parent.isValid():
            self._request_page()

    def _request_page(self) -> None:
        if self.is_loading() or self._exhausted or self._resetting:
            return
        generation = self._generation
        self._loading = generation
        self.busy_changed.emit(True)
        after = None
        if self._rows:
            last = self._rows[-1]
            key = self._effective_sort()
            after = (last.get(key) if key != "rowid" else None, last["_rowid"])
        flt, now_iso, sort, desc = self._filter, self._now_iso, self._effective_sort(), self._descending
        reader = self._page_reader
        Op(lambda: reader.page(flt, now_iso, sort=sort, descending=desc, after=after, limit=PAGE)) \
            .success(lambda rows: self._page_arrived(generation, rows)) \
            .failure(lambda exc: self._page_failed(generation, exc)) \
            .run_in_background(owner=self)

    def _effective_sort(self) -> str:
        """Newest first is by row key; with a date range the received-time index gives
        the same order without sorting every row in the range."""
        if self._sort == "rowid" and (self._filter.date_from or self._filter.date_to):
            return "received_at"
        return self._sort

    def _page_arrived(self, generation: int, rows: list[dict]) -> None:
        if generation != self._generation:
            return
        if rows:
            first = len(self._rows)
            prepared = [self._prepare(case) for case in rows]
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self._view_rows.extend(prepared)
            self.endInsertRows()
        # only now: views ask for more from inside the insert signals, and the next
        # page must start after these rows
        self._loading = None
        self._exhausted = len(rows) < PAGE
        if self._exhausted and self._total is None:
            self._total = len(self._rows)
            self.count_changed.emit(self._total)
        self.busy_changed.emit(False)
        self.page_loaded.emit(len(self._rows))

    def _page_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return  # an interrupted query of an older filter
        self._loading = None
        self._exhausted = True
        self.busy_changed.emit(False)
        from .errors import show_exception
        show_exception(exc)

    def _start_count(self) -> None:
        generation = self._generation
        flt, now_iso, reader = self._filter, self._now_iso, self._count_reader
        Op(lambda: reader.count(flt, now_iso)) \
            .success(lambda n: self._count_arrived(generation, n)) \
            .failure(lambda exc: log.debug("count dropped: %s", exc)) \
            .run_in_background(owner=self)

    def _count_arrived(self, generation: int, total: int) -> None:
        if generation == self._generation:
            self._total = total
            self.count_changed.emit(total)

    # -- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == _HORIZONTAL and 0 <= section < len(self.COLUMNS):
            if role == _DISPLAY:
                return self._headers[section]
            if role == _TOOLTIP:
                return tr("Click to sort") if self.COLUMNS[section][2] else None
        return None

    def data(self, index, role=Qt.DisplayRole):
        # hot path: called for every role of every visible cell on each paint, so the
        # row's texts and colours are prepared once when the page arrives, and roles are
        # compared as plain ints (PySide6 enum look-ups cost microseconds each)
        row = index.row()
        if row < 0 or row >= len(self._view_rows):
            return None
        if role == _DISPLAY:
            return self._view_rows[row][0][index.column()]
        if role == _BACKGROUND:
            return self._view_rows[row][1]
        if role == _FOREGROUND:
            return self._view_rows[row][2]
        if role == CASE_ID_ROLE_INT:
            return self._rows[row]["id"]
        if role == COLOUR_ROLE_INT:
            return self._view_rows[row][3]
        if role == _TOOLTIP and self.COLUMNS[index.column()][0] in ("title", "enterprise_name"):
            return self._rows[row].get(self.COLUMNS[index.column()][0])
        return None

    def _prepare(self, case: dict) -> tuple:
        colour = colour_of(case, self._now_iso)
        bg = fg = None
        if colour is not None:
            bg_colour, fg_colour = COLOUR_BRUSHES[colour]
            bg = QBrush(bg_colour) if bg_colour is not None else None
            fg = QBrush(fg_colour) if fg_colour is not None else None
        return tuple(self._display(case, key) for key, _, _ in self.COLUMNS), bg, fg, colour

    def _display(self, case: dict, key: str) -> str:
        if key == "received_at":
            return fmt_time(case["received_at"])
        if key == "due_at":
            return deadline_text(case)
        if key == "status":
            return self._status_texts.get(case["status"], case["status"])
        if key == "grade":
            return self._grade_texts.get(case["grade"], case["grade"])
        if key == "lead_dept":
            return self._dept_names.get(case["lead_dept"], case["lead_dept"])
        if key == "channel":
            return self._channel_texts.get(case["channel"], case["channel"])
        if key == "first_owner":
            return self._clerk_names.get(case["first_owner"], case["first_owner"])
        value = case.get(key)
        return "" if value is None else str(value)

    def flags(self, index):
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def sort(self, column: int, order=Qt.DescendingOrder) -> None:
        if not (0 <= column < len(self.COLUMNS)):
            return
        key = self.COLUMNS[column][2]
        if key is None:
            return
        descending = order == Qt.DescendingOrder
        if (key, descending) == (self._sort, self._descending):
            return
        self._sort, self._descending = key, descending
        self.reload()

    def sort_column(self) -> int:
        for i, (_, _, key) in enumerate(self.COLUMNS):
            if key == self._sort:
                return i
        return -1



"""The one door to Qt: every ui module imports Qt names from here, never from PySide6.

Keeping the binding behind one module means a change of binding or version touches one
file, and ``models/`` stays provably Qt-free (nothing there can import this).  Others may
add names here; never remove one that someone imports.
"""
from __future__ import annotations

from PySide6.QtCore import (QAbstractTableModel, QByteArray, QCoreApplication, QDate, QDateTime, QEvent,
                            QItemSelectionModel, QLibraryInfo, QLocale, QMarginsF, QMimeData, QModelIndex, QObject,
                            QPersistentModelIndex, QPoint, QRect, QRectF, QRunnable, QSize, QSizeF,
                            QSortFilterProxyModel,
                            Qt, QThread, QThreadPool, QTime, QTimer, QTranslator, QUrl, Signal, Slot)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtGui import (QAction, QBrush, QCloseEvent, QColor, QDesktopServices, QDragEnterEvent,
                           QDropEvent, QFont, QFontDatabase, QGuiApplication, QIcon, QImage, QImageReader,
                           QKeyEvent, QKeySequence, QPageLayout, QPageSize, QPainter, QPalette, QPixmap,
                           QShortcut,
                           QStandardItem, QStandardItemModel, QTextCursor, QValidator)
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QButtonGroup, QCheckBox, QComboBox,
                               QCompleter, QDateEdit, QDateTimeEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMainWindow, QMessageBox, QPlainTextEdit, QPushButton,
                               QScrollArea, QSizePolicy, QSpinBox, QSplitter, QStackedWidget,
                               QStatusBar, QStyle, QTabWidget, QTableView, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QTimeEdit, QToolButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

__all__ = [name for name in dir() if name.startswith("Q") or name in ("Qt", "Signal", "Slot")]

# -- printing (added for ui/printing_qt.py) -------------------------------------------
from PySide6.QtCore import QMarginsF, QRectF, QSizeF  # noqa: E402
from PySide6.QtGui import QPageLayout, QPageSize  # noqa: E402
from PySide6.QtPrintSupport import (QPrintDialog, QPrinter, QPrinterInfo,  # noqa: E402
                                    QPrintPreviewDialog)

__all__ = [name for name in dir() if name.startswith("Q") or name in ("Qt", "Signal", "Slot")]

# -- first-run wizard (added for ui/first_run.py) --------------------------------------
from PySide6.QtWidgets import QRadioButton, QWizard, QWizardPage  # noqa: E402

__all__ = [name for name in dir() if name.startswith("Q") or name in ("Qt", "Signal", "Slot")]

# -- sync status (added for ui/sync_status.py) ----------------------------------------
from PySide6.QtNetwork import QNetworkInformation  # noqa: E402

__all__ = [name for name in dir() if name.startswith("Q") or name in ("Qt", "Signal", "Slot")]

"""Numbered schema migrations; the number reached is kept in ``PRAGMA user_version``.

Append a new function to ``MIGRATIONS`` for every schema change; never edit one that
has shipped.
"""
from __future__ import annotations



_M1_INITIAL = """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE departments (
            code TEXT PRIMARY KEY, name TEXT NOT NULL, short TEXT NOT NULL DEFAULT '',
            duties TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,
            sort INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE routing_rules (
            id INTEGER PRIMARY KEY, dept_code TEXT NOT NULL REFERENCES departments(code)
                ON DELETE CASCADE,
            keyword TEXT NOT NULL, weight REAL NOT NULL DEFAULT 1.0,
            UNIQUE (dept_code, keyword)
        );
        -- what the router learned from confirmed routings, kept incrementally so that
        -- a million-case store needs no retraining at start
        CREATE TABLE routing_stats (
            dept_code TEXT NOT NULL, token TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (dept_code, token)
        ) WITHOUT ROWID;
        CREATE TABLE routing_docs (dept_code TEXT PRIMARY KEY, n INTEGER NOT NULL);

        CREATE TABLE calendar_days (
            day TEXT PRIMARY KEY, year INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')), name TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE calendar_years (
            year INTEGER PRIMARY KEY, source TEXT NOT NULL, loaded_at TEXT NOT NULL
        );

        CREATE TABLE users (
            username TEXT PRIMARY KEY, display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN ('clerk', 'admin')),
            active INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL
        );

        CREATE TABLE enterprises (
            uscc TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL DEFAULT '',
            industry TEXT NOT NULL DEFAULT '', scale TEXT NOT NULL DEFAULT '',
            address TEXT NOT NULL DEFAULT '', legal_rep TEXT NOT NULL DEFAULT '',
            contact TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL
        );
        CREATE INDEX enterprises_name ON enterprises(name);

        -- every change, append-only and hash-chained per device; local rows are the outbox
        CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id TEXT NOT NULL UNIQUE, case_id TEXT NOT NULL, device_id TEXT NOT NULL,
            type TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL,
            prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('local', 'remote')),
            server_seq INTEGER UNIQUE,
            push_state TEXT CHECK (push_state IN ('pending', 'sent', 'rejected')),
            push_error TEXT
        );
        CREATE INDEX events_case ON events(case_id, seq);
        CREATE INDEX events_outbox ON events(push_state, seq);

        CREATE TABLE receipt_seq (
            window_code TEXT NOT NULL, day TEXT NOT NULL, last INTEGER NOT NULL,
            PRIMARY KEY (window_code, day)
        ) WITHOUT ROWID;

        -- projection of the events; rowid gives the list its paging key
        CREATE TABLE cases (
            id TEXT PRIMARY KEY,
            receipt_no TEXT NOT NULL,
            window_code TEXT NOT NULL,
            uscc TEXT NOT NULL REFERENCES enterprises(uscc),
            enterprise_name TEXT NOT NULL,
            contact TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL, title TEXT NOT NULL, content TEXT NOT NULL,
            category TEXT NOT NULL DEFAULT '',
            lead_dept TEXT NOT NULL, co_depts TEXT NOT NULL DEFAULT '[]',
            route_source TEXT NOT NULL DEFAULT 'auto',
            grade TEXT NOT NULL CHECK (grade IN ('simple', 'general', 'complex')),
            received_at TEXT NOT NULL, received_day TEXT NOT NULL,
            period_start TEXT NOT NULL,
            due_at TEXT NOT NULL, warn_at TEXT NOT NULL,
            deadline_provisional INTEGER NOT NULL DEFAULT 0,
            extension_days INTEGER NOT NULL DEFAULT 0,
            first_owner TEXT NOT NULL,
            status TEXT NOT NULL,
            rework_count INTEGER NOT NULL DEFAULT 0,
            rating TEXT, rating_comment TEXT,
            assigned_at TEXT, replied_at TEXT, notified_at TEXT, closed_at TEXT,
            reason TEXT,
            flagged INTEGER NOT NULL DEFAULT 0,
            awaiting_media INTEGER NOT NULL DEFAULT 0,
            version INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        -- receipt numbers are unique per window by allocation (receipt_seq); not a UNIQUE
        -- constraint, so a pulled case of another window can never stop a sync
        CREATE INDEX cases_receipt ON cases(receipt_no);
        CREATE INDEX cases_received ON cases(received_at);
        CREATE INDEX cases_status ON cases(status, due_at);
        CREATE INDEX cases_dept ON cases(lead_dept, received_at);
        CREATE INDEX cases_uscc ON cases(uscc, received_at);
        CREATE INDEX cases_due ON cases(due_at);
        CREATE INDEX cases_channel ON cases(channel);

        -- Chinese full text: every CJK character is a token (see models/search.py), so
        -- queries of one or two characters work as phrase queries
        CREATE VIRTUAL TABLE cases_fts USING fts5(body, content='', tokenize='unicode61');

        CREATE TABLE replies (
            event_id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),
            dept_code TEXT NOT NULL, analysis TEXT NOT NULL, measures TEXT NOT NULL,
            policy_basis TEXT NOT NULL, replied_by TEXT NOT NULL DEFAULT '',
            replied_at TEXT NOT NULL
        );
        CREATE INDEX replies_case ON replies(case_id);
        CREATE TABLE evaluations (
            event_id TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),
            rating TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', source TEXT NOT NULL,
            evaluated_at TEXT NOT NULL
        );
        CREATE INDEX evaluations_case ON evaluations(case_id);

        -- records imported from other channels, by their source id, so a re-import skips them
        CREATE TABLE imported_sources (
            source TEXT PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id)
        );

        CREATE TABLE attachments (
            sha256 TEXT NOT NULL, case_id TEXT NOT NULL REFERENCES cases(id),
            filename TEXT NOT NULL, mime TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL,
            added_at TEXT NOT NULL, uploaded INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (case_id, sha256)
        );
"""

# 2: supervision (督办, models/supervision.py) — covering indexes so that a year's figures
# are one index scan instead of reading 200,000 wide case rows; high-frequency topic terms
# per month and department, filled incrementally by models.supervision.index_topics
# (watermark: settings 'topics_rowid').
_M2_SUPERVISION = """
        CREATE INDEX cases_supervision ON cases(received_day, lead_dept, category, status,
            rework_count, received_at, assigned_at, replied_at, due_at, warn_at, rating, id);
        CREATE INDEX evaluations_case_rating ON evaluations(case_id, rating);
        CREATE TABLE topic_terms (
            month TEXT NOT NULL, dept TEXT NOT NULL, term TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (month, dept, term)
        ) WITHOUT ROWID;
"""

# 3: a confirmed routing's training signal is written with its case as one row and folded
# into routing_stats in batches (Store.flush_routing), so that registering a case stays a
# small transaction instead of a hundred counter upserts.
_M3_ROUTING_QUEUE = """
        CREATE TABLE routing_pending (
            id INTEGER PRIMARY KEY, dept_code TEXT NOT NULL, sign INTEGER NOT NULL,
            tokens TEXT NOT NULL
        );
"""

# 4: attachments registered at other windows arrive as events before their files do;
# ``present`` says whether the file is in this data directory yet (sync downloads it).
_M4_ATTACHMENT_PRESENT = """
        ALTER TABLE attachments ADD COLUMN present INTEGER NOT NULL DEFAULT 1;
        CREATE INDEX attachments_missing ON attachments(sha256) WHERE present = 0;
"""

# Each entry is one migration's SQL, run in one transaction with its user_version bump.
MIGRATIONS: list[str] = [_M1_INITIAL, _M2_SUPERVISION, _M3_ROUTING_QUEUE, _M4_ATTACHMENT_PRESENT]
SCHEMA_VERSION = len(MIGRATIONS)

-- Sync protocol v1: counties, windows and their devices, tokens, events, cases, blobs.

CREATE TABLE counties (
    code            text PRIMARY KEY,
    name            text NOT NULL,
    config          jsonb NOT NULL,
    config_version  bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE holiday_schedules (
    county      text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    year        integer NOT NULL,
    schedule    jsonb NOT NULL,
    loaded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county, year)
);

CREATE TABLE windows (
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    window_code  text NOT NULL,
    name         text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county, window_code)
);

CREATE TABLE enrolment_codes (
    code_hash    text PRIMARY KEY,
    county       text NOT NULL,
    window_code  text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    used_by      text,
    FOREIGN KEY (county, window_code) REFERENCES windows(county, window_code) ON DELETE CASCADE
);

-- A device is one installation of the client (kind 'window', device_id minted by the
-- client) or the county's own server device (kind 'server', device_id 'server:{county}')
-- that department actions are recorded under. chain_head is the hash of the device's
-- last event that verified (accepted, or rejected for the case's state).
CREATE TABLE devices (
    device_id    text PRIMARY KEY,
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('window', 'server')),
    window_code  text,
    name         text NOT NULL DEFAULT '',
    chain_head   text NOT NULL,
    enrolled_at  timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE dept_users (
    county      text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    username    text NOT NULL,
    dept_code   text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county, username)
);

-- Only the SHA-256 of a token is stored.
CREATE TABLE tokens (
    token_hash  text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('device', 'dept')),
    county      text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    device_id   text REFERENCES devices(device_id) ON DELETE CASCADE,
    username    text,
    dept_code   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX tokens_device ON tokens(device_id);

CREATE SEQUENCE event_seq;

-- Accepted events. body is the canonical JSON of the envelope (models.protocol
-- canonical_json), byte for byte what the hash covers.
CREATE TABLE events (
    server_seq   bigint PRIMARY KEY,
    event_id     text NOT NULL UNIQUE,
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    case_id      text NOT NULL,
    device_id    text NOT NULL,
    type         text NOT NULL,
    hash         text NOT NULL,
    body         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_county_seq ON events(county, server_seq);
CREATE INDEX events_case ON events(case_id, server_seq);

-- Events whose chain verified but which did not fit the case (kept for audit; the
-- device's chain runs through them).
CREATE TABLE rejected_events (
    event_id     text PRIMARY KEY,
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    case_id      text NOT NULL,
    device_id    text NOT NULL,
    hash         text NOT NULL,
    body         text NOT NULL,
    code         text NOT NULL,
    reason       text NOT NULL,
    reason_en    text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- Events refused because their hash or chain link did not verify: reported, never kept
-- in the chain.
CREATE TABLE chain_faults (
    id           bigserial PRIMARY KEY,
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    device_id    text NOT NULL,
    event_id     text NOT NULL,
    code         text NOT NULL,
    detail       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);

-- The case as the fold of its accepted events (models.projection.apply).
CREATE TABLE cases (
    case_id     text PRIMARY KEY,
    county      text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    lead_dept   text,
    co_depts    text[] NOT NULL DEFAULT '{}',
    status      text NOT NULL,
    state       jsonb NOT NULL,
    last_seq    bigint NOT NULL
);
CREATE INDEX cases_county_lead ON cases(county, lead_dept);

-- Content-addressed attachments per county; parts are appended in order.
CREATE TABLE blobs (
    county       text NOT NULL REFERENCES counties(code) ON DELETE CASCADE,
    sha256       text NOT NULL,
    total        bigint,
    received     bigint NOT NULL DEFAULT 0,
    complete     boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (county, sha256)
);
CREATE TABLE blob_parts (
    county   text NOT NULL,
    sha256   text NOT NULL,
    start    bigint NOT NULL,
    data     bytea NOT NULL,
    PRIMARY KEY (county, sha256, start),
    FOREIGN KEY (county, sha256) REFERENCES blobs(county, sha256) ON DELETE CASCADE
);

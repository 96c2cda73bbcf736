"""Server settings: flags, environment (INTAKE_DATABASE_URL, INTAKE_ADMIN_TOKEN,
INTAKE_LISTEN) and limits."""
from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024


@dataclass
class Settings:
    database_url: str
    admin_token: str | None = None
    token_ttl_days: int = 365          # device and department tokens
    enrolment_ttl_hours: int = 72      # one-time enrolment codes
    max_body: int = 5 * MB             # every request body but blob uploads
    max_blob_request: int = 16 * MB    # one PUT /blobs request (a chunk)
    max_blob_size: int = 256 * MB      # a whole attachment
    max_batch: int = 500               # events per push
    max_pull: int = 5000               # events per pulled page
    pool_min: int = 2
    pool_max: int = 16
    migrate: bool = True               # apply migrations when the app starts

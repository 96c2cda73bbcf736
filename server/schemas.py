"""Request and response bodies (Pydantic), so the OpenAPI document is the reference."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

UUID_RE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
HEX64_RE = r"^[0-9a-f]{64}$"
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"          # county, department codes
WINDOW_RE = r"^[A-Z0-9][A-Z0-9-]{0,15}$"                # e.g. HT01, HT-LYX02
USERNAME_RE = r"^[^\x00-\x1f\x7f/]{1,64}$"
DEVICE_RE = r"^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$"
CASE_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    code: str = Field(description="machine-readable error code")
    message: str = Field(description="message for people (Chinese)")
    message_en: str = Field(description="message for people (English)")
    detail: Any = Field(None, description="field errors for invalid requests")


# -- administration -----------------------------------------------------------------------
class CountyCreate(Strict):
    code: str = Field(pattern=CODE_RE, description="county code, e.g. HT")
    name: str = Field(min_length=1, max_length=100)
    config: dict[str, Any] | None = Field(
        None, description="county configuration (shape of models/data/demo_county.json); "
                          "omitted: the demo county's departments and rules")


class CountyOut(BaseModel):
    code: str
    name: str
    version: int
    server_device_id: str


class HolidaySchedule(Strict):
    year: StrictInt = Field(ge=1990, le=2200)
    source: StrictStr = Field("", max_length=500)
    holidays: dict[str, StrictStr] = Field(default_factory=dict)
    workdays: dict[str, StrictStr] = Field(default_factory=dict)


class WindowCreate(Strict):
    window_code: str = Field(pattern=WINDOW_RE, description="e.g. HT01 or HT-LYX02")
    name: str = Field("", max_length=100)


class WindowEnrolment(BaseModel):
    county_code: str
    window_code: str
    enrolment_code: str = Field(description="one-time code; give it to the window's clerk")
    expires_at: str


class DeptUserCreate(Strict):
    username: str = Field(pattern=USERNAME_RE)


class DeptUserToken(BaseModel):
    county_code: str
    dept_code: str
    username: str
    token: str
    expires_at: str


class DeviceOut(BaseModel):
    device_id: str
    county_code: str
    kind: str
    window_code: str | None
    name: str
    chain_head: str
    enrolled_at: str
    last_seen_at: str | None
    revoked_at: str | None


class ChainFault(BaseModel):
    device_id: str
    event_id: str
    code: str
    detail: str
    at: str


# -- windows ------------------------------------------------------------------------------
class EnrolRequest(Strict):
    code: str = Field(min_length=1, max_length=64, description="the one-time enrolment code")
    device_id: str = Field(pattern=UUID_RE, description="the client's own device id (UUID)")
    device_name: str = Field("", max_length=100)


class EnrolResponse(BaseModel):
    device_id: str
    window_code: str
    county_code: str
    token: str
    expires_at: str


class Envelope(BaseModel):
    """models.protocol.EventEnvelope. Unknown fields (e.g. server_seq) are ignored."""
    model_config = ConfigDict(extra="ignore")
    event_id: StrictStr = Field(pattern=UUID_RE)
    case_id: StrictStr = Field(pattern=CASE_RE)
    device_id: StrictStr = Field(pattern=DEVICE_RE)
    type: StrictStr = Field(min_length=1, max_length=40)
    payload: dict[str, Any]
    created_at: StrictStr = Field(min_length=10, max_length=40)
    prev_hash: StrictStr = Field(pattern=HEX64_RE)
    hash: StrictStr = Field(pattern=HEX64_RE)


class PushRequest(Strict):
    events: list[Envelope] = Field(max_length=500)


class PushResult(BaseModel):
    event_id: str
    status: Literal["accepted", "duplicate", "rejected", "conflict"]
    server_seq: int | None = None
    code: str | None = Field(None, description="why, for rejected and conflict: bad_transition, "
                             "malformed, wrong_county, wrong_device, bad_hash, chain_broken, conflict")
    reason: str | None = Field(None, description="why, in Chinese (shown to the clerk)")
    reason_en: str | None = None


class PushResponse(BaseModel):
    results: list[PushResult]


class PulledEvent(BaseModel):
    server_seq: int
    event_id: str
    case_id: str
    device_id: str
    type: str
    payload: dict[str, Any]
    created_at: str
    prev_hash: str
    hash: str


class PullResponse(BaseModel):
    events: list[PulledEvent]
    next: int = Field(description="cursor for the next pull (the last server_seq of this page)")
    more: bool = Field(description="true when more events follow")


class ConfigResponse(BaseModel):
    county: dict[str, Any]
    holidays: list[dict[str, Any]]
    version: int


class BlobStatus(BaseModel):
    sha256: str
    complete: bool
    offset: int = Field(description="bytes stored so far")
    size: int | None = Field(None, description="total size when known")


# -- departments --------------------------------------------------------------------------
class ReplyRequest(Strict):
    analysis: StrictStr = Field(max_length=5000, description="问题分析")
    measures: StrictStr = Field(max_length=5000, description="采取的措施")
    policy_basis: StrictStr = Field(max_length=5000, description="政策依据")

    @field_validator("analysis", "measures", "policy_basis")
    @classmethod
    def _non_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty: a reply needs analysis, measures and policy basis")
        return v.strip()


class ExtensionRequest(Strict):
    days: StrictInt = Field(ge=1, le=30, description="working days asked for")
    reason: StrictStr = Field(min_length=1, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _non_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()


class DeptCase(BaseModel):
    role: Literal["lead", "co"]
    case: dict[str, Any]


class DeptCases(BaseModel):
    dept_code: str
    cases: list[DeptCase]


class DeptActionResponse(BaseModel):
    event: PulledEvent
    case: dict[str, Any]

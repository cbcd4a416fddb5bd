"""What Meta's two logins share: Graph API errors and request parsing, paging cursors, the session
checks on access tokens and the signed authorization code of both dialogs.

:mod:`emulator.instagram` (graph.instagram.com) and :mod:`emulator.facebook` (graph.facebook.com)
build on this module; neither reaches into the other's private helpers.
"""

import base64
import re
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.datastructures import URL, QueryParams

from emulator.core import EmulatorCore
from emulator.oauth import AuthorizeRequest
from emulator.signing import Signer
from emulator.tokens import CODE_CLAIMS, ClaimCodec

DEFAULT_PAGE = 25
MAX_PAGE = 100
_VERSION = re.compile(r"^v\d+\.\d+$")
_PACIFIC = timedelta(hours=-8)
_TRACE_ALPHABET = string.ascii_letters + string.digits + "_-"

# -- errors ---------------------------------------------------------------------------------------


def fbtrace_id() -> str:
    """A Meta-looking trace id (random: it identifies one response, not data)."""
    return "A" + "".join(secrets.choice(_TRACE_ALPHABET) for _ in range(22))


class MetaError(Exception):
    """A Graph API error: ``{"error": {message, type, code, error_subcode?, fbtrace_id}}``."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        status: int = 400,
        error_type: str = "OAuthException",
        headers: dict[str, str] | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.subcode = subcode
        self.status = status
        self.error_type = error_type
        self.headers = headers or {}
        #: More keys of the error object, as Meta adds them to some errors
        #: (``is_transient``, ``error_user_title``, ``error_user_msg``).
        self.details = details or {}

    def body(self) -> dict[str, object]:
        """The JSON body Meta returns."""
        error: dict[str, object] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error.update(self.details)
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}

    def response(self) -> JSONResponse:
        """Render as an HTTP response."""
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


def invalid_parameter(message: str) -> MetaError:
    """Code 100: invalid parameter, field or metric (``permission_or_input`` for clients)."""
    return MetaError(100, f"(#100) {message}")


def no_permission() -> MetaError:
    """Code 10: missing permission (scope not granted, personal account)."""
    return MetaError(10, "(#10) Application does not have permission for this action", status=403)


def unknown_object(object_id: str) -> MetaError:
    """Code 100 / subcode 33: object missing or not visible to this token."""
    return MetaError(
        100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded "
        "due to missing permissions, or does not support this operation.",
        subcode=33,
        error_type="GraphMethodException",
    )


def unknown_edge(edge: str, node_type: str) -> MetaError:
    """Code 100 for an edge the node type does not have."""
    return invalid_parameter(
        f"Tried accessing nonexisting field ({edge}) on node type ({node_type})"
    )


def media_before_conversion() -> MetaError:
    """Code 100 / subcode 2108006: a post published before the account's most recent conversion
    to a business account has no insights, whatever metrics are asked (Meta's recorded answer)."""
    return MetaError(
        100,
        "(#100) Media Posted Before Business Account Conversion",
        subcode=2108006,
        details={
            "is_transient": False,
            "error_user_title": "Media Posted Before Business Account Conversion",
            "error_user_msg": "The media was posted before the most recent time that the user's "
            "account was converted to a business account from a personal account.",
        },
    )


def server_error() -> MetaError:
    """Code 2: a transient failure (``server_error`` fault)."""
    return MetaError(
        2, "An unexpected error has occurred. Please retry your request later.", status=500
    )


def app_rate_limited(headers: dict[str, str] | None = None) -> MetaError:
    """Code 4: the app's request limit (``rate_limit`` fault)."""
    return MetaError(4, "(#4) Application request limit reached", status=403, headers=headers)


# -- requests -------------------------------------------------------------------------------------


def path_segments(path: str) -> list[str]:
    """Segments of a Graph path without the optional ``vNN.N`` version prefix."""
    segments = [s for s in path.split("/") if s]
    if segments and _VERSION.match(segments[0]):
        segments = segments[1:]
    return segments


def raw_token(request: Request) -> str | None:
    """Token from ``access_token`` or ``Authorization: Bearer|OAuth``, as Meta accepts both."""
    token = request.query_params.get("access_token")
    if token:
        return token
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return None


def fields(params: QueryParams, allowed: tuple[str, ...], node_type: str) -> list[str]:
    """Requested fields (``id`` always first); unknown ones fail the call like Meta's."""
    requested = [f.strip() for f in params.get("fields", "").split(",") if f.strip()]
    for name in requested:
        if name not in allowed:
            raise unknown_edge(name, node_type)
    return ["id", *[f for f in dict.fromkeys(requested) if f != "id"]]


@dataclass(frozen=True)
class FieldSpec:
    """One entry of a ``fields`` value with field expansion: ``name.mod(args)…{children}``.

    ``media.limit(10){id,insights.metric(reach,saved)}`` is the field ``media`` with the modifier
    ``limit`` = ``"10"`` and two children, the second one with ``metric`` = ``"reach,saved"``.
    ``children`` is ``None`` when no ``{…}`` was given.
    """

    name: str
    modifiers: tuple[tuple[str, str], ...] = ()
    children: "tuple[FieldSpec, ...] | None" = None

    @property
    def plain(self) -> bool:
        """A bare field name: no modifiers, no nested fields."""
        return not self.modifiers and self.children is None

    def modifier(self, name: str) -> str | None:
        """The argument of modifier ``name`` (the last one wins, as Meta's parser does)."""
        found = None
        for key, value in self.modifiers:
            if key == name:
                found = value
        return found

    def render(self) -> str:
        """Back to the ``fields`` syntax (for the ``next`` links of nested edges)."""
        text = self.name + "".join(f".{k}({v})" for k, v in self.modifiers)
        if self.children is not None:
            text += "{" + render_fields(self.children) + "}"
        return text


def render_fields(specs: "tuple[FieldSpec, ...] | list[FieldSpec]") -> str:
    """Inverse of :func:`parse_fields`."""
    return ",".join(spec.render() for spec in specs)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _syntax_error(raw: str, at: int, expected: str) -> MetaError:
    found = raw[at] if at < len(raw) else "end of string"
    return invalid_parameter(
        f'Syntax error "Expected {expected} instead of "{found}"." at character {at}: {raw}'
    )


def parse_fields(raw: str) -> list[FieldSpec]:
    """Parse a ``fields`` value with nested ``{…}`` and modifiers (``.limit(5)``,
    ``.metric(a,b)``); malformed values fail with code 100 like Meta's parser."""
    specs, at = _parse_list(raw, 0, nested=False)
    if at != len(raw):
        raise _syntax_error(raw, at, "end of string")
    return specs


def _skip_spaces(raw: str, at: int) -> int:
    while at < len(raw) and raw[at].isspace():
        at += 1
    return at


def _parse_list(raw: str, at: int, *, nested: bool) -> tuple[list[FieldSpec], int]:
    specs: list[FieldSpec] = []
    while True:
        at = _skip_spaces(raw, at)
        if at >= len(raw) or raw[at] in ",}":
            # Empty entries (``a,,b``, a trailing comma) are ignored, as Meta ignores them.
            if at < len(raw) and raw[at] == ",":
                at += 1
                continue
            break
        spec, at = _parse_field(raw, at)
        specs.append(spec)
        at = _skip_spaces(raw, at)
        if at < len(raw) and raw[at] == ",":
            at += 1
            continue
        break
    if nested and (at >= len(raw) or raw[at] != "}"):
        raise _syntax_error(raw, at, '"}"')
    return specs, at


def _parse_field(raw: str, at: int) -> tuple[FieldSpec, int]:
    match = _NAME.match(raw, at)
    if match is None:
        raise _syntax_error(raw, at, "a field name")
    name, at = match.group(0), match.end()
    modifiers: list[tuple[str, str]] = []
    while at < len(raw) and raw[at] == ".":
        key = _NAME.match(raw, at + 1)
        if key is None or key.end() >= len(raw) or raw[key.end()] != "(":
            raise _syntax_error(raw, at + 1 if key is None else key.end(), '"("')
        close = raw.find(")", key.end())
        if close < 0:
            raise _syntax_error(raw, len(raw), '")"')
        modifiers.append((key.group(0), raw[key.end() + 1 : close].strip()))
        at = close + 1
    children: tuple[FieldSpec, ...] | None = None
    at = _skip_spaces(raw, at)
    if at < len(raw) and raw[at] == "{":
        nested, at = _parse_list(raw, at + 1, nested=True)
        children = tuple(nested)
        at += 1  # the closing brace
    return FieldSpec(name, tuple(modifiers), children), at


def plain_fields(
    specs: "list[FieldSpec] | tuple[FieldSpec, ...]", allowed: tuple[str, ...], node_type: str
) -> list[str]:
    """The plain fields of ``specs`` (``id`` always first), as :func:`fields` gives them; an
    unknown one, or a modifier on a plain field, fails the call like Meta's."""
    names: list[str] = []
    for spec in specs:
        if spec.name not in allowed:
            raise unknown_edge(spec.name, node_type)
        if not spec.plain:
            raise invalid_parameter(f"Field {spec.name} on node type ({node_type}) has no edges")
        names.append(spec.name)
    return ["id", *[f for f in dict.fromkeys(names) if f != "id"]]


def pick(values: dict[str, object], names: list[str]) -> dict[str, object]:
    """The ``names`` entries of ``values``, in that order."""
    return {name: values[name] for name in names}


def metrics(params: QueryParams) -> list[str]:
    """The ``metric`` list (required)."""
    names = [m.strip() for m in params.get("metric", "").split(",") if m.strip()]
    if not names:
        raise invalid_parameter("The parameter metric is required")
    return names


def check_metrics(
    names: list[str],
    allowed: dict[str, tuple[str, str]],
    retired: set[str],
    totals_only: dict[str, tuple[str, str]] | None = None,
) -> None:
    """One bad metric fails the whole request, exactly like the real API."""
    valid = ", ".join(m for m in allowed if m not in retired)
    for i, name in enumerate(names):
        if name in retired:
            raise invalid_parameter(
                f"The {name} metric is no longer supported. "
                f"metric[{i}] must be one of the following values: {valid}"
            )
        if name in allowed:
            continue
        if totals_only is not None and name in totals_only:
            raise invalid_parameter(
                f"The following metrics ({name}) should be specified with parameter "
                "metric_type=total_value"
            )
        raise invalid_parameter(f"metric[{i}] must be one of the following values: {valid}")


def timestamp_param(params: QueryParams, name: str) -> int | None:
    """A ``since``/``until`` value: unix seconds or an ISO date(-time) taken as UTC."""
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp())
        except ValueError as exc:
            raise invalid_parameter(f"Param {name} must be a unix timestamp") from exc


def utc_day(stamp: int) -> date:
    """The UTC date of a unix timestamp."""
    return datetime.fromtimestamp(stamp, UTC).date()


# -- paging ---------------------------------------------------------------------------------------


def encode_cursor(index: int) -> str:
    """An opaque cursor for post ``index`` (the same on both hosts)."""
    return base64.urlsafe_b64encode(f"ig-media:{index}".encode()).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int:
    """Inverse of :func:`encode_cursor`; anything else is Meta's invalid cursor error."""
    try:
        text_value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _, index = text_value.partition(":")
        if prefix != "ig-media":
            raise ValueError(text_value)
        return int(index)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_parameter("Invalid cursor") from exc


def limit(params: QueryParams) -> int:
    """The page size (``limit``), clamped to 1..100."""
    value = params.get("limit")
    if value is None:
        return DEFAULT_PAGE
    try:
        return max(1, min(MAX_PAGE, int(value)))
    except ValueError as exc:
        raise invalid_parameter("Param limit must be a number") from exc


def page_indices(total: int, params: QueryParams) -> list[int]:
    """Post indices of one page of results, newest first (cursors are post indices)."""
    size = limit(params)
    after, before = params.get("after"), params.get("before")
    if after:
        top = min(total, decode_cursor(after))
        return list(range(top - 1, max(-1, top - 1 - size), -1))
    if before:
        bottom = decode_cursor(before) + 1
        return list(range(min(total, bottom + size) - 1, bottom - 1, -1))
    return list(range(total - 1, max(-1, total - 1 - size), -1))


def paging_of(base: URL, indices: list[int], total: int) -> dict[str, object] | None:
    """Cursors and previous/next links (on ``base``) for a page of posts; ``None`` if empty."""
    if not indices:
        return None
    first, last = indices[0], indices[-1]
    paging: dict[str, object] = {
        "cursors": {"before": encode_cursor(first), "after": encode_cursor(last)}
    }
    base = base.remove_query_params(["after", "before"])
    if first < total - 1:
        paging["previous"] = str(base.include_query_params(before=encode_cursor(first)))
    if last > 0:
        paging["next"] = str(base.include_query_params(after=encode_cursor(last)))
    return paging


def paged(
    request: Request, data: list[dict[str, object]], indices: list[int], total: int
) -> JSONResponse:
    """``{"data", "paging"}`` with cursors and previous/next links for a page of posts."""
    body: dict[str, object] = {"data": data}
    paging = paging_of(request.url, indices, total)
    if paging is not None:
        body["paging"] = paging
    return JSONResponse(body)


# -- access tokens --------------------------------------------------------------------------------


def pacific(moment: float) -> str:
    """Meta's expiry wording: ``Friday, 20-Nov-26 06:41:31 PST`` (fixed UTC-8)."""
    when = datetime.fromtimestamp(moment, UTC) + _PACIFIC
    return when.strftime("%A, %d-%b-%y %H:%M:%S PST")


def missing_token() -> MetaError:
    """Code 2500: no access token at all."""
    return MetaError(
        2500,
        "An active access token must be used to query information about the current user.",
    )


def unparsable_token() -> MetaError:
    """Code 190: not a token we issued (or its account is unknown)."""
    return MetaError(190, "Invalid OAuth access token - Cannot parse access token")


def check_session(
    core: EmulatorCore, platform: str, account: str, issued_at: float, expires_at: float | None
) -> None:
    """Revoked (``revoke`` fault) → 190/460; expired or ``expire_tokens`` fault → 190/463."""
    faults = core.faults
    revoked_at = faults.account_fault_since(platform, "revoke", account)
    if revoked_at is not None and issued_at <= revoked_at:
        raise MetaError(
            190,
            "Error validating access token: The session has been invalidated because the "
            "user changed their password or Facebook has changed the session for security "
            "reasons.",
            subcode=460,
        )
    now = core.now()
    expired_at = faults.account_fault_since(platform, "expire_tokens", account)
    if expired_at is None or issued_at > expired_at:
        expired_at = expires_at if expires_at is not None and expires_at <= now else None
    if expired_at is not None:
        raise MetaError(
            190,
            f"Error validating access token: Session has expired on {pacific(expired_at)}. "
            f"The current time is {pacific(now)}.",
            subcode=463,
        )


def bearer_answer(token: str, expires_in: int) -> JSONResponse:
    """The token endpoints' ``{access_token, token_type, expires_in}``."""
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": expires_in})


# -- authorization codes --------------------------------------------------------------------------

CODE_TTL_S = 600
"""Authorization codes live 10 minutes, like Meta's."""


@dataclass(frozen=True)
class MetaCode:
    """What an authorization code of either dialog carries; ``nonce`` makes it single-use."""

    account: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    issued_at: float
    nonce: str


_CODE: ClaimCodec[MetaCode] = ClaimCodec(
    MetaCode,
    "instagram-code",  # both dialogs sign with Instagram's purpose and prefix: never change them
    "AQ",
    CODE_CLAIMS,
)


def consent_code(core: EmulatorCore, auth: AuthorizeRequest, account: str) -> str:
    """The code either dialog hands back when ``account`` approves ``auth``."""
    code = MetaCode(
        account=account,
        client_id=auth.client_id,
        redirect_uri=auth.redirect_uri,
        scopes=auth.scopes,
        issued_at=core.now(),
        nonce=secrets.token_hex(8),
    )
    return mint_code(core.signer, code)


def mint_code(signer: Signer, code: MetaCode) -> str:
    """Encode an authorization code."""
    return _CODE.mint(signer, code)


def parse_code(signer: Signer, raw: str) -> MetaCode | None:
    """Decode a code we issued, or ``None``."""
    return _CODE.parse(signer, raw)

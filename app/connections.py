"""Connection profiles and one boto3 session and low-level client per connection."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import importlib
import re
import sys
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from app import fastpath
from app.aws_config import profile_from_config
from app.errors import EXPIRED_CODES, DynascopeError, MfaCancelled, ReadOnlyError, describe

if TYPE_CHECKING:
    from botocore.config import Config

# boto3 and botocore take a quarter of a second to import: more than the rest of the
# app's start. They are imported on an SDK worker thread, never with this module: by
# `load_sdk` soon after the window shows, or by the first connection's first call.

Kind = Literal["sandbox", "endpoint", "profile", "default"]
KINDS: tuple[Kind, ...] = ("profile", "default", "endpoint", "sandbox")

#: Retry settings are explicit: botocore's own default mode is still "legacy".
RETRY_MODE = "standard"
MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30

#: What the connection dialog says next to an endpoint's access key.
ENDPOINT_KEYS_NOTE = (
    "DynamoDB Local keeps a separate set of tables for each access key and region (unless "
    "it runs with -sharedDb): use the same key and region as your other tools to see "
    "their tables. Keys typed here are kept in memory for this session only."
)

# Blocking SDK calls run here, never on the GUI thread. boto3 clients are thread-safe.
_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dynascope-aws")

#: mfa_prompter(mfa_serial) -> code; raising or returning "" cancels the sign-in.
MfaPrompter = Callable[[str], str]

_default_mfa_prompter: MfaPrompter | None = None


def set_mfa_prompter(prompter: MfaPrompter | None) -> None:
    """Install the app-wide MFA prompter, used by connections that have none of their own.

    It is called on an SDK worker thread, never on the caller's, and may block until the
    user answers (the UI marshals to its own thread and waits). With no prompter, a
    profile that needs an MFA code fails with `MfaCancelled` instead of botocore's
    terminal prompt.
    """
    global _default_mfa_prompter
    _default_mfa_prompter = prompter


def get_mfa_prompter() -> MfaPrompter | None:
    return _default_mfa_prompter


_SDK_MODULES = ("boto3.session", "botocore.config", "botocore.exceptions",
                "botocore.session")


def _import_sdk() -> None:
    for name in _SDK_MODULES:
        importlib.import_module(name)


def sdk_loaded() -> bool:
    """boto3 and botocore are imported (using them cannot block on an import)."""
    return all(name in sys.modules for name in _SDK_MODULES)


def load_sdk() -> Future:
    """Import boto3 and botocore on an SDK worker thread (the app calls this once its
    window shows), so that no later step imports them on the caller's thread."""
    return _EXECUTOR.submit(_import_sdk)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class EndpointKeys:
    """An access key typed for a custom endpoint: lives in memory only, never saved."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        return f"EndpointKeys(access_key_id={self.access_key_id[:4]!r}…, secret hidden)"


@dataclass(frozen=True)
class ConnectionProfile:
    """What a saved connection is: names, regions, URLs and flags.

    `credentials` is the one exception: an endpoint's access key, held in memory for
    the session and never written (app.settings leaves it out). For kind "profile" an
    empty `region` means the AWS profile's own region.
    """

    name: str
    kind: Kind
    region: str = "us-east-1"
    endpoint_url: str | None = None
    profile_name: str | None = None
    read_only: bool = False
    color: str = ""
    #: the user tagged it production: the UI confirms before any write
    production: bool = False
    #: stable across renames and edits; a duplicate gets a new one
    id: str = field(default_factory=new_id, compare=False)
    credentials: EndpointKeys | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown connection kind {self.kind!r}")
        if self.credentials is not None and self.kind != "endpoint":
            raise ValueError("only an endpoint connection can carry an access key")

    @property
    def label(self) -> str:
        if self.kind == "sandbox" or self.name == self.endpoint_url:
            return self.name
        return f"{self.name} · {self.region or 'profile region'}"

    def duplicate(self, name: str | None = None) -> ConnectionProfile:
        """A copy with a new id (and, by default, "<name> (copy)")."""
        return dataclasses.replace(self, id=new_id(), name=name or f"{self.name} (copy)")

    def without_secrets(self) -> ConnectionProfile:
        return dataclasses.replace(self, credentials=None)


# --- read-only ------------------------------------------------------------------------

#: API operations that only read (checked against botocore's model in the tests).
READ_OPERATIONS = frozenset({
    "BatchGetItem", "DescribeBackup", "DescribeBulkOperation", "DescribeContinuousBackups",
    "DescribeContributorInsights", "DescribeEndpoints", "DescribeExport",
    "DescribeGlobalTable", "DescribeGlobalTableSettings", "DescribeImport",
    "DescribeKinesisStreamingDestination", "DescribeLimits", "DescribeTable",
    "DescribeTableReplicaAutoScaling", "DescribeTimeToLive", "GetItem", "GetResourcePolicy",
    "ListBackups", "ListBulkOperations", "ListContributorInsights", "ListExports",
    "ListGlobalTables", "ListImports", "ListTables", "ListTagsOfResource", "Query", "Scan",
    "SearchVectors", "TransactGetItems",
})
#: PartiQL: a read when every statement is a SELECT, a write otherwise.
PARTIQL_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement",
                                "ExecuteTransaction"})
#: Operations that change data, tables or settings. Anything unknown counts as one too.
WRITE_OPERATIONS = frozenset({
    "BatchWriteItem", "CancelBulkOperation", "CreateBackup", "CreateGlobalTable",
    "CreateTable", "DeleteBackup", "DeleteItem", "DeleteResourcePolicy", "DeleteTable",
    "DisableKinesisStreamingDestination", "EnableKinesisStreamingDestination",
    "ExportTableToPointInTime", "ImportTable", "PutItem", "PutResourcePolicy",
    "RestoreTableFromBackup", "RestoreTableToPointInTime", "StartBulkPutItems",
    "TagResource", "TransactWriteItems", "UntagResource", "UpdateContinuousBackups",
    "UpdateContributorInsights", "UpdateGlobalTable", "UpdateGlobalTableSettings",
    "UpdateItem", "UpdateKinesisStreamingDestination", "UpdateTable",
    "UpdateTableReplicaAutoScaling", "UpdateTimeToLive",
})

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def operation_name(operation: str) -> str:
    """The API name of a client method: "batch_write_item" -> "BatchWriteItem"."""
    if "_" not in operation and operation[:1].isupper():
        return operation
    return "".join(part.capitalize() for part in operation.split("_"))


def _is_select(statement: Any) -> bool:
    if not isinstance(statement, str):
        return False
    text = _COMMENTS.sub(" ", statement).lstrip(" \t\r\n(")
    return text[:6].upper() == "SELECT" and not text[6:7].isalnum()


def _statements(name: str, params: Mapping[str, Any]) -> list[Any]:
    if name == "ExecuteStatement":
        return [params.get("Statement")]
    entries = params.get("Statements" if name == "BatchExecuteStatement"
                         else "TransactStatements") or []
    return [e.get("Statement") if isinstance(e, Mapping) else None for e in entries]


def is_write(operation: str, params: Mapping[str, Any] | None = None) -> bool:
    """True when `operation` (client method or API name) with `params` could change
    anything. Unknown operations count as writes, and so does PartiQL that is not
    entirely SELECT statements."""
    name = operation_name(operation)
    if name in PARTIQL_OPERATIONS:
        statements = _statements(name, params or {})
        return not statements or not all(_is_select(s) for s in statements)
    return name not in READ_OPERATIONS


# --- the connection -------------------------------------------------------------------

def client_config(max_attempts: int = MAX_ATTEMPTS) -> Config:
    from botocore.config import Config

    return Config(
        retries={"mode": RETRY_MODE, "total_max_attempts": max_attempts},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        user_agent_extra="dynascope",
    )


def sandbox_profile(endpoint_url: str, region: str) -> ConnectionProfile:
    return ConnectionProfile(
        name="Local sandbox", kind="sandbox", region=region, endpoint_url=endpoint_url
    )


# The sandbox's fixed, fake credentials: they only ever go to 127.0.0.1.
SANDBOX_ACCESS_KEY = "sandbox"
SANDBOX_SECRET_KEY = "sandbox"
# What an endpoint connection without a profile signs with (DynamoDB Local keeps data
# apart per access key and region, so this one is stable).
LOCAL_ACCESS_KEY = "dynascopelocal"
LOCAL_SECRET_KEY = "dynascopelocal"

_MFA_PROMPT = re.compile(r"^Enter MFA code for (?P<serial>.+?):\s*$")

# Failures after which the session is rebuilt on the next call: the user may have fixed
# the config, signed in again, or must be asked for a new MFA code (botocore's by name).
_CREDENTIAL_FAILURES = ("ProfileNotFound", "NoCredentialsError", "NoRegionError",
                        "PartialCredentialsError", "CredentialRetrievalError",
                        "RefreshWithMFAUnsupportedError", "SSOError", "TokenRetrievalError",
                        "LoginError", "InvalidConfigError", "ConfigParseError")


def _botocore_error(exc: BaseException, *names: str) -> bool:
    """`exc` is one of botocore's exceptions `names` (False while botocore is not loaded:
    then it cannot be one, and nothing is imported on the caller's thread)."""
    exceptions = sys.modules.get("botocore.exceptions")
    return exceptions is not None and isinstance(
        exc, tuple(getattr(exceptions, name) for name in names))


@dataclass
class _Built:
    """A session and its client, made on the first call (credentials resolve there)."""

    session: Any
    client: Any
    profile_name: str | None = None
    sso: bool = False
    mfa_cancelled: bool = False
    others: dict[str, Any] = field(default_factory=dict)  # other services' clients


class Connection:
    """A live connection: one boto3 Session and one low-level DynamoDB client.

    The session and client are made on the first use, on an SDK worker thread, because
    making them resolves credentials (SSO token files, assume-role, credential_process,
    instance metadata), which can block or prompt for an MFA code. `Connection(profile,
    client)` wraps a client made elsewhere.

    Scan, Query and ExecuteStatement pages take the fast path (`app.fastpath`: the same
    items without botocore's shape walk) unless `fast_path` is False, or it is None and
    the environment says ``DYNASCOPE_FAST_PATH=0``.
    """

    def __init__(self, profile: ConnectionProfile, client: Any = None, *,
                 mfa_prompter: MfaPrompter | None = None,
                 max_attempts: int = MAX_ATTEMPTS, fast_path: bool | None = None) -> None:
        self.profile = profile
        self.mfa_prompter = mfa_prompter
        self.max_attempts = max_attempts
        self._fast_path = fastpath.enabled_by_default() if fast_path is None else fast_path
        self._lock = threading.Lock()
        self._owns_client = client is None
        self._built: _Built | None = None
        self._cancels = 0  # MFA prompts cancelled so far
        if client is not None:
            self._built = _Built(session=None, client=client,
                                 profile_name=profile.profile_name)
            self._install_guard(client)
            self._install_fast_path(client)

    def __repr__(self) -> str:
        state = "ready" if self.ready else "not yet signed in"
        return f"Connection({self.profile.label!r}, {state})"

    # -- state --------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """The session and client exist (credentials were resolved)."""
        return self._built is not None

    @property
    def client(self) -> Any:
        """The DynamoDB client. Making it may block: from the GUI thread use `call`."""
        return self._ensure().client

    @property
    def fast_path(self) -> bool:
        """Pages of Scan, Query and ExecuteStatement skip botocore's shape walk."""
        return self._fast_path

    def set_fast_path(self, on: bool) -> None:
        """Turn the fast page path on or off, for the client made now and later ones."""
        with self._lock:
            self._fast_path = on
            built = self._built
        if built is not None:
            self._install_fast_path(built.client)

    @property
    def region(self) -> str:
        built = self._built
        if built is not None:
            return built.client.meta.region_name or self.profile.region
        return self.profile.region

    def reset(self) -> None:
        """Forget the session: the next call signs in again (e.g. after `aws sso login`)."""
        if self._owns_client:
            with self._lock:
                self._built = None

    def needs_confirmation(self, operation: str, params: Mapping[str, Any] | None = None
                           ) -> bool:
        """A production connection asks the user before this operation."""
        return self.profile.production and is_write(operation, params)

    def check_allowed(self, operation: str, params: Mapping[str, Any] | None = None,
                      action: str = "") -> None:
        """Raise `ReadOnlyError` if this connection is read-only and the call writes."""
        if self.profile.read_only and is_write(operation, params):
            name = operation_name(operation)
            what = f"{action} ({name})" if action else name
            raise ReadOnlyError(
                f"Not sent: {self.profile.name} is a read-only connection, and {what} "
                "would change data or settings.",
                "Nothing was changed. To write, turn off read-only in the connection's "
                "settings.", operation=name)

    # -- calls --------------------------------------------------------------------------

    async def call(self, operation: str, action: str, **kwargs: Any) -> dict:
        """Run one DynamoDB operation off the calling thread.

        `operation` is the client method name (``"list_tables"``); `action` says in words
        what it does, for the error message. Errors come back as `DynascopeError`; a
        write on a read-only connection is refused before anything is sent.
        """
        self.check_allowed(operation, kwargs, action)
        return await self._run(lambda built: getattr(built.client, operation)(**kwargs),
                               operation, action)

    async def identity(self) -> dict | None:
        """STS GetCallerIdentity (Account, Arn, UserId) with the connection's credentials,
        or None for the sandbox and custom endpoints (local emulators have no STS)."""
        if self.profile.kind in ("sandbox", "endpoint"):
            return None

        def who(built: _Built) -> dict | None:
            if built.session is None:
                return None
            return self._other_client(built, "sts", max_attempts=2).get_caller_identity()

        return await self._run(who, "GetCallerIdentity", "find out who you are signed in as")

    def service_client(self, service: str, *, fresh: bool = False) -> Any:
        """Another service's client on this connection's session (e.g.
        "dynamodbstreams"): the same credentials, MFA sign-in and endpoint URL, so the
        user is not asked twice. One is kept per service; `fresh=True` makes a new one
        (with its own event handlers). Blocking: call it off the GUI thread."""
        built = self._ensure()
        if built.session is None:
            raise ValueError(f"connection {self.profile.name!r} wraps a client made "
                             "elsewhere and has no session of its own")
        return self._other_client(built, service, fresh=fresh)

    def _other_client(self, built: _Built, service: str,
                      max_attempts: int | None = None, fresh: bool = False) -> Any:
        with self._lock:
            client = None if fresh else built.others.get(service)
            if client is None:
                client = built.session.client(
                    service, endpoint_url=self.profile.endpoint_url,
                    config=client_config(max_attempts or self.max_attempts))
                if not fresh:
                    built.others[service] = client
            return client

    async def _run(self, work: Callable[[_Built], Any], operation: str, action: str) -> Any:
        used: list[_Built] = []
        cancels = self._cancels

        def run() -> Any:
            built = self._ensure(cancels)
            used.append(built)
            return work(built)

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_EXECUTOR, run)
        except Exception as exc:  # every failure becomes a sentence for the user
            err = self._explain(exc, operation, action, used[0] if used else None)
            if err is exc:
                raise
            raise err from exc

    def _explain(self, exc: Exception, operation: str, action: str,
                 built: _Built | None) -> Exception:
        cause: Exception = exc
        if (_botocore_error(exc, "RefreshWithMFAUnsupportedError")
                and built is not None and built.mfa_cancelled):
            # Another call of the same sign-in saw its MFA prompt cancelled.
            cause = self._mfa_cancelled()
        expired = (_botocore_error(exc, "ClientError")
                   and exc.response.get("Error", {}).get("Code") in EXPIRED_CODES)
        credentials = (isinstance(exc, MfaCancelled)
                       or _botocore_error(exc, *_CREDENTIAL_FAILURES))
        if (credentials or expired) and built is not None:
            self._forget(built)
        return describe(cause, action, operation=operation_name(operation),
                        region=self.region,
                        profile_name=built.profile_name if built else self.profile.profile_name,
                        sso=built.sso if built else False)

    def _forget(self, built: _Built) -> None:
        if self._owns_client:
            with self._lock:
                if self._built is built:
                    self._built = None

    # -- building -----------------------------------------------------------------------

    def _ensure(self, cancels: int | None = None) -> _Built:
        """The session and client, made now if needed. A call that started before the
        user cancelled an MFA prompt (`cancels` differs) fails instead of asking again."""
        built = self._built
        if built is not None:
            return built
        with self._lock:
            if self._built is None:
                if cancels is not None and cancels != self._cancels:
                    raise self._mfa_cancelled()
                self._built = self._build()
            return self._built

    def _build(self) -> _Built:
        import boto3.session
        import botocore.session

        p = self.profile
        if p.kind in ("sandbox", "endpoint") and not p.endpoint_url:
            raise ValueError(f"connection {p.name!r} needs an endpoint URL")
        region = p.region or None
        keys: tuple[str, str, str | None] | None = None
        if p.kind == "sandbox":
            keys = (SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, None)
        elif p.kind == "endpoint" and not p.profile_name:
            # Local emulators accept any key; a fixed fake one keeps the AWS chain out.
            c = p.credentials
            keys = ((c.access_key_id, c.secret_access_key, c.session_token) if c
                    else (LOCAL_ACCESS_KEY, LOCAL_SECRET_KEY, None))
        built = _Built(session=None, client=None)
        if keys is not None:
            session = boto3.session.Session(
                aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
                aws_session_token=keys[2], region_name=region)
        else:
            core = botocore.session.Session()
            session = boto3.session.Session(
                botocore_session=core,
                profile_name=p.profile_name if p.kind != "default" else None,
                region_name=region)
            built.profile_name = core.profile
            built.sso = self._is_sso(core)
            self._install_prompter(core, built)
        built.session = session
        # Resolves credentials (deferred ones, like assume-role, resolve at signing).
        built.client = session.client("dynamodb", endpoint_url=p.endpoint_url,
                                      config=client_config(self.max_attempts))
        self._install_guard(built.client)
        self._install_fast_path(built.client)
        return built

    @staticmethod
    def _is_sso(core: Any) -> bool:
        name = core.profile or "default"
        raw = core.full_config.get("profiles", {}).get(name) or {}
        return profile_from_config(name, raw).sso

    def _install_prompter(self, core: Any, built: _Built) -> None:
        """Replace botocore's terminal MFA prompt (getpass) with the app's prompter.

        botocore has no public setter: the assume-role provider keeps the prompter it
        hands to each AssumeRoleCredentialFetcher in `_prompter` (the AWS CLI and other
        tools reach the provider the same way, to set its `cache`). Chained roles
        (a source_profile that is itself a role) go through the same provider.
        """
        resolver = core.get_component("credential_provider")
        provider = resolver.get_provider("assume-role")
        if not hasattr(provider, "_prompter"):
            raise RuntimeError("this botocore's assume-role provider has no _prompter: "
                               "MFA prompts cannot be shown")
        provider._prompter = functools.partial(self._prompt, built)

    def _prompt(self, built: _Built, text: str) -> str:
        match = _MFA_PROMPT.match(text)
        serial = match.group("serial") if match else text
        ask = self.mfa_prompter or _default_mfa_prompter
        if ask is None:
            self._cancelled(built)
            raise MfaCancelled(
                f"{self.profile.name} needs an MFA code for {serial}, and there is no way "
                "to ask for it here.",
                "Connect from the Dynascope window, which asks for the code.")
        try:
            code = ask(serial)
        except Exception as exc:
            self._cancelled(built)
            raise self._mfa_cancelled() from exc
        code = (code or "").strip()
        if not code:
            self._cancelled(built)
            raise self._mfa_cancelled()
        return code

    def _cancelled(self, built: _Built) -> None:
        built.mfa_cancelled = True
        self._cancels += 1

    def _mfa_cancelled(self) -> MfaCancelled:
        return MfaCancelled(
            f"Signing in to {self.profile.name} was cancelled: no MFA code was entered.",
            "Try again to be asked for the code.")

    def _install_guard(self, client: Any) -> None:
        """Refuse writes in the client itself too, for code that uses `client` directly."""
        client.meta.events.register("before-parameter-build.dynamodb", self._guard,
                                    unique_id=f"dynascope-read-only-{id(self)}")

    def _guard(self, params: Mapping[str, Any], model: Any, **_kwargs: Any) -> None:
        self.check_allowed(model.name, params)

    def _install_fast_path(self, client: Any) -> None:
        if self._fast_path:
            fastpath.install(client)
        else:
            fastpath.uninstall(client)


def connect(profile: ConnectionProfile, *, mfa_prompter: MfaPrompter | None = None,
            max_attempts: int = MAX_ATTEMPTS, fast_path: bool | None = None) -> Connection:
    """The connection for `profile`. Makes no network call and resolves no credentials
    on the caller's thread: for AWS profiles and the default chain the session is made
    on the first call, off-thread. Sandbox and endpoint connections (fixed keys) get
    their client at once when the SDK is loaded (`load_sdk`), else on the first call,
    off-thread too. `fast_path`: see `Connection`."""
    if profile.kind in ("sandbox", "endpoint") and not profile.endpoint_url:
        raise ValueError(f"connection {profile.name!r} needs an endpoint URL")
    conn = Connection(profile, mfa_prompter=mfa_prompter, max_attempts=max_attempts,
                      fast_path=fast_path)
    fixed_keys = profile.kind == "sandbox" or (profile.kind == "endpoint"
                                               and not profile.profile_name)
    if fixed_keys and sdk_loaded():
        conn._ensure()  # explicit keys and the SDK imported: nothing to resolve or load
    return conn


async def run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking function on the SDK's worker threads and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTOR, functools.partial(fn, *args))


# --- testing a connection -------------------------------------------------------------

@dataclass(frozen=True)
class ConnectionCheck:
    """What "Test connection" found."""

    region: str
    arn: str | None  # who the credentials belong to; None for local endpoints
    account: str | None
    table_count: int | None  # None when the tables could not be listed
    more_tables: bool = False  # the count stopped at the cap
    tables_error: str = ""

    @property
    def summary(self) -> str:
        who = f"Connected as {self.arn}" if self.arn else "Connected"
        if self.table_count is None:
            tables = "tables cannot be listed"
        else:
            n = f"{self.table_count}+" if self.more_tables else str(self.table_count)
            tables = f"{n} table" + ("" if self.table_count == 1 and not self.more_tables
                                     else "s")
        return f"{who} in {self.region}, {tables}."


async def check_connection(conn: Connection, max_pages: int = 10) -> ConnectionCheck:
    """Sign in, say who the credentials belong to, and count the tables (up to
    `max_pages` pages of 100). A denied ListTables is reported, not raised."""
    who = await conn.identity()
    count: int | None = 0
    more, error = False, ""
    start: str | None = None
    try:
        for _ in range(max_pages):
            kwargs: dict[str, Any] = {"Limit": 100}
            if start:
                kwargs["ExclusiveStartTableName"] = start
            page = await conn.call("list_tables", "list the tables", **kwargs)
            count += len(page.get("TableNames", []))
            following = page.get("LastEvaluatedTableName")
            if not following or following == start:
                break
            start = following
        else:
            more = True
    except DynascopeError as exc:
        if getattr(exc, "code", "") != "AccessDeniedException":
            raise
        count, error = None, str(exc)
    return ConnectionCheck(
        region=conn.region, arn=(who or {}).get("Arn"), account=(who or {}).get("Account"),
        table_count=count, more_tables=more, tables_error=error)

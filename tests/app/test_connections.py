"""Connections sign in the way the AWS CLI does, prompt for MFA off-thread, and guard writes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import botocore.credentials
import botocore.exceptions
import botocore.session
import botocore.tokens
import pytest
from botocore import xform_name
from faults import Injector, response

from app import catalog
from app.aws_config import get_profile, list_profiles
from app.connections import (
    PARTIQL_OPERATIONS,
    READ_OPERATIONS,
    WRITE_OPERATIONS,
    Connection,
    ConnectionProfile,
    EndpointKeys,
    check_connection,
    connect,
    get_mfa_prompter,
    is_write,
    operation_name,
    set_mfa_prompter,
)
from app.errors import (
    AwsError,
    ConnectionFailed,
    MfaCancelled,
    ProfileError,
    ReadOnlyError,
    SignInRequired,
)

REGION = "eu-west-1"  # the tests' own region (tests/conftest.py TEST_REGION)
ACCOUNT = "123456789012"  # moto's default account
BASE_KEY = "AKIAIOSFODNN7EXAMPLE"
BASE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/alice"
READ_PREFIXES = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "TransactGet")
#: read operations whose names do not say so
ALSO_READS = {"SearchVectors"}


@dataclass
class AwsFiles:
    config: Path
    credentials: Path
    home: Path

    def write(self, config: str, credentials: str = "") -> None:
        self.config.write_text(config, encoding="utf-8")
        self.credentials.write_text(credentials, encoding="utf-8")


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AwsFiles:
    """A private AWS config directory: nothing of the developer's is read."""
    home = tmp_path / "home"
    home.mkdir()
    files = AwsFiles(tmp_path / "config", tmp_path / "credentials", home)
    files.write("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files.config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files.credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # botocore fixes the SSO token cache directory (~/.aws/sso/cache) when it is
    # imported, before HOME changes here: point it at the private home as well.
    sso_cache = str(home / ".aws" / "sso" / "cache")
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", sso_cache)
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", sso_cache)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
                 "AWS_ENDPOINT_URL_STS"):
        monkeypatch.delenv(name, raising=False)
    return files


@pytest.fixture
def no_global_prompter():
    before = get_mfa_prompter()
    set_mfa_prompter(None)
    yield
    set_mfa_prompter(before)


def _table(ddb, name: str) -> None:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


def _profile(name: str, **kwargs) -> ConnectionProfile:
    return ConnectionProfile(name=name, kind="profile", profile_name=name,
                             region=kwargs.pop("region", REGION), **kwargs)


def _describe(conn: Connection, table: str) -> str:
    return asyncio.run(catalog.describe_table(conn, table)).name


def _mfa_config(endpoint: str) -> str:
    return f"""
[profile base]
region = {REGION}
[profile mfa]
role_arn = arn:aws:iam::{ACCOUNT}:role/reader
source_profile = base
mfa_serial = {MFA_SERIAL}
region = {REGION}
endpoint_url = {endpoint}
"""


_CREDENTIALS = f"[base]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n"


# --- profiles -----------------------------------------------------------------------------

def test_a_profile_with_static_keys_reads_a_table(aws_files, moto_endpoint, ddb, table_name):
    aws_files.write(f"[profile static]\nregion = {REGION}\nendpoint_url = {moto_endpoint}\n",
                    f"[static]\naws_access_key_id = {BASE_KEY}\n"
                    f"aws_secret_access_key = {BASE_SECRET}\n")
    _table(ddb, table_name)
    conn = connect(_profile("static"))
    assert _describe(conn, table_name) == table_name
    check = asyncio.run(check_connection(conn))
    assert check.arn and check.arn.startswith(f"arn:aws:sts::{ACCOUNT}:")
    assert check.table_count is not None and check.table_count >= 1
    assert check.summary.startswith(f"Connected as {check.arn} in {REGION}, ")


def test_credential_process_runs_on_the_first_call_not_at_connect(
        aws_files, moto_endpoint, ddb, table_name, tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "creds.py"
    script.write_text(
        "import json, pathlib, threading\n"
        f"pathlib.Path({str(marker)!r}).write_text('yes')\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': {BASE_KEY!r}, "
        f"'SecretAccessKey': {BASE_SECRET!r}}}))\n")
    aws_files.write(f"[profile proc]\nregion = {REGION}\nendpoint_url = {moto_endpoint}\n"
                    f'credential_process = "{sys.executable}" "{script}"\n')
    _table(ddb, table_name)
    conn = connect(_profile("proc"))
    assert not marker.exists(), "connect() resolved credentials on the caller's thread"
    assert not conn.ready
    assert _describe(conn, table_name) == table_name
    assert marker.exists()
    assert conn.ready


def test_a_failing_credential_process_says_how_to_find_out_why(aws_files, moto_endpoint):
    aws_files.write(f"[profile broken]\nregion = {REGION}\nendpoint_url = {moto_endpoint}\n"
                    f'credential_process = "{sys.executable}" -c "import sys; sys.exit(3)"\n')
    conn = connect(_profile("broken"))
    with pytest.raises(ProfileError) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    assert "credential" in caught.value.message
    assert "run the command in a terminal" in caught.value.hint


def test_the_default_chain_uses_the_environment(aws_files, moto_endpoint, ddb, table_name,
                                                monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", BASE_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", BASE_SECRET)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    _table(ddb, table_name)
    conn = connect(ConnectionProfile(name="env", kind="default", region=REGION))
    assert not conn.ready
    assert _describe(conn, table_name) == table_name


def test_an_endpoint_signs_with_the_key_typed_for_it(moto_endpoint, ddb, table_name):
    keys = EndpointKeys("localkey1234", "localsecret-abcdefgh")
    profile = ConnectionProfile(name="local", kind="endpoint", region=REGION,
                                endpoint_url=moto_endpoint, credentials=keys)
    assert "localsecret" not in repr(profile) and "localsecret" not in repr(keys)
    _table(ddb, table_name)
    conn = connect(profile)
    seen: list[str] = []

    def capture(request, n):
        seen.append(request.headers["Authorization"].decode())

    injector = Injector(conn.client, "DescribeTable", capture)
    try:
        assert _describe(conn, table_name) == table_name
    finally:
        injector.remove()
    assert "Credential=localkey1234/" in seen[0]
    assert asyncio.run(conn.identity()) is None  # local endpoints have no STS


def test_list_profiles_reads_names_and_flags_without_secrets(aws_files, tmp_path):
    marker = tmp_path / "ran"
    aws_files.write(f"""
[default]
region = us-east-1
[profile dev]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = Reader
region = eu-central-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
[profile admin]
role_arn = arn:aws:iam::{ACCOUNT}:role/admin
source_profile = keys
mfa_serial = {MFA_SERIAL}
[profile proc]
credential_process = "{sys.executable}" -c "open({str(marker)!r}, 'w')"
""", f"[keys]\naws_access_key_id = {BASE_KEY}\naws_secret_access_key = {BASE_SECRET}\n")
    profiles = {p.name: p for p in list_profiles()}
    assert next(iter(profiles)) == "default"
    assert set(profiles) == {"default", "dev", "admin", "proc", "keys"}
    assert profiles["dev"].sso and profiles["dev"].region == "eu-central-1"
    assert profiles["dev"].login_command == "aws sso login --profile dev"
    assert profiles["admin"].mfa and profiles["admin"].auth == "assume role with MFA"
    assert profiles["proc"].credential_process and not marker.exists()
    assert profiles["keys"].static_keys and profiles["keys"].region is None
    assert BASE_SECRET not in repr(profiles) and BASE_KEY not in repr(profiles)
    assert get_profile("nope") is None


# --- MFA ----------------------------------------------------------------------------------

def test_mfa_is_asked_off_thread_once_per_connection(aws_files, moto_endpoint, ddb,
                                                     table_name, no_global_prompter):
    aws_files.write(_mfa_config(moto_endpoint), _CREDENTIALS)
    _table(ddb, table_name)
    asked: list[tuple[str, bool]] = []

    def prompter(serial: str) -> str:
        asked.append((serial, threading.current_thread() is threading.main_thread()))
        return "123456"

    conn = connect(_profile("mfa"), mfa_prompter=prompter)
    assert asked == []  # nothing is asked at connect time
    assert _describe(conn, table_name) == table_name
    assert _describe(conn, table_name) == table_name
    assert asked == [(MFA_SERIAL, False)]
    who = asyncio.run(conn.identity())
    assert f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/" in who["Arn"]
    # Another service on the same connection shares the sign-in: no second question.
    streams = conn.service_client("dynamodbstreams")
    assert "Streams" in streams.list_streams(TableName=table_name)
    assert conn.service_client("dynamodbstreams") is streams
    assert len(asked) == 1


def test_cancelling_the_mfa_prompt_aborts_and_a_retry_asks_again(
        aws_files, moto_endpoint, ddb, table_name, no_global_prompter):
    aws_files.write(_mfa_config(moto_endpoint), _CREDENTIALS)
    _table(ddb, table_name)
    answers = ["", "654321"]
    asked: list[str] = []

    def prompter(serial: str) -> str:
        asked.append(serial)
        return answers.pop(0)

    conn = connect(_profile("mfa"), mfa_prompter=prompter)
    with pytest.raises(MfaCancelled) as caught:
        _describe(conn, table_name)
    assert "no MFA code was entered" in caught.value.message
    assert not conn.ready  # the spent sign-in was dropped
    assert _describe(conn, table_name) == table_name
    assert asked == [MFA_SERIAL, MFA_SERIAL]


def test_calls_waiting_on_a_cancelled_prompt_are_cancelled_too(
        aws_files, moto_endpoint, no_global_prompter):
    aws_files.write(_mfa_config(moto_endpoint), _CREDENTIALS)
    asked: list[str] = []
    conn = connect(_profile("mfa"), mfa_prompter=lambda serial: asked.append(serial) or "")

    async def three():
        return await asyncio.gather(*(conn.call("list_tables", "list the tables")
                                      for _ in range(3)), return_exceptions=True)

    results = asyncio.run(three())
    assert [type(r) for r in results] == [MfaCancelled] * 3
    assert asked == [MFA_SERIAL]  # one question, not one per request


def test_the_app_wide_prompter_answers_and_a_raising_one_cancels(
        aws_files, moto_endpoint, ddb, table_name, no_global_prompter):
    aws_files.write(_mfa_config(moto_endpoint), _CREDENTIALS)
    _table(ddb, table_name)

    def refuse(serial: str) -> str:
        raise RuntimeError("dialog closed")

    set_mfa_prompter(refuse)
    with pytest.raises(MfaCancelled):
        _describe(connect(_profile("mfa")), table_name)
    set_mfa_prompter(lambda serial: "111111")
    assert _describe(connect(_profile("mfa")), table_name) == table_name


def test_without_any_prompter_mfa_fails_instead_of_reading_the_terminal(
        aws_files, moto_endpoint, no_global_prompter):
    aws_files.write(_mfa_config(moto_endpoint), _CREDENTIALS)
    with pytest.raises(MfaCancelled) as caught:
        asyncio.run(catalog.list_tables_page(connect(_profile("mfa"))))
    assert MFA_SERIAL in caught.value.message


def test_the_assume_role_provider_still_takes_a_prompter(aws_files):
    """Guards the one private attribute used: botocore must still read `_prompter`."""
    provider = botocore.session.Session().get_component(
        "credential_provider").get_provider("assume-role")
    assert hasattr(provider, "_prompter")


# --- SSO and other sign-in failures -------------------------------------------------------

@pytest.mark.parametrize("config", [
    f"""[profile dev]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = Reader
region = {REGION}
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = {REGION}
sso_registration_scopes = sso:account:access
""",
    f"""[profile dev]
sso_start_url = https://corp.awsapps.com/start
sso_region = {REGION}
sso_account_id = {ACCOUNT}
sso_role_name = Reader
region = {REGION}
""",
], ids=["sso-session", "legacy-sso"])
def test_a_missing_sso_token_says_run_aws_sso_login(aws_files, config):
    aws_files.write(config)
    _assert_sso_login(connect(_profile("dev")), botocore.exceptions.SSOTokenLoadError)


@pytest.mark.parametrize("session", [None, "corp"], ids=["legacy-sso", "sso-session"])
def test_an_expired_sso_token_says_run_aws_sso_login(aws_files, session):
    start = "https://corp.awsapps.com/start"
    if session:
        aws_files.write(f"[profile dev]\nsso_session = {session}\nsso_account_id = {ACCOUNT}\n"
                        f"sso_role_name = Reader\nregion = {REGION}\n[sso-session {session}]\n"
                        f"sso_start_url = {start}\nsso_region = {REGION}\n")
    else:
        aws_files.write(f"[profile dev]\nsso_start_url = {start}\nsso_region = {REGION}\n"
                        f"sso_account_id = {ACCOUNT}\nsso_role_name = Reader\n"
                        f"region = {REGION}\n")
    cache = aws_files.home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    key = hashlib.sha1((session or start).encode()).hexdigest()
    (cache / f"{key}.json").write_text(json.dumps({
        "startUrl": start, "region": REGION, "accessToken": "expired-token",
        "expiresAt": "2020-01-01T00:00:00Z"}), encoding="utf-8")
    _assert_sso_login(connect(_profile("dev")), botocore.exceptions.UnauthorizedSSOTokenError,
                      botocore.exceptions.TokenRetrievalError)


def _assert_sso_login(conn: Connection, *causes: type[Exception]) -> None:
    with pytest.raises(SignInRequired) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    err = caught.value
    assert isinstance(err.__cause__, causes)  # the path botocore took
    assert err.command == "aws sso login --profile dev"
    assert "SSO" in err.message and "sign-in is missing or has expired" in err.message
    assert f"Run `{err.command}`" in err.hint
    assert not conn.ready  # after signing in, the next call starts afresh


def test_a_wrong_profile_name_is_named(aws_files):
    aws_files.write(f"[profile real]\nregion = {REGION}\n")
    conn = connect(_profile("typo"))
    with pytest.raises(ProfileError) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    assert "no AWS profile named 'typo'" in caught.value.message
    assert "list-profiles" in caught.value.hint


def test_no_region_anywhere_asks_for_one(aws_files):
    aws_files.write("[profile keys]\n",
                    f"[keys]\naws_access_key_id = {BASE_KEY}\n"
                    f"aws_secret_access_key = {BASE_SECRET}\n")
    conn = connect(_profile("keys", region=""))
    with pytest.raises(ProfileError) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    assert "no region" in caught.value.message


# --- errors a user can act on -------------------------------------------------------------

def _one_try(moto_endpoint: str, region: str = REGION, **flags) -> Connection:
    return connect(ConnectionProfile(name="moto", kind="endpoint", region=region,
                                     endpoint_url=moto_endpoint, **flags), max_attempts=1)


def _error(code: str, message: str):
    return lambda request, n: response(
        {"__type": f"com.amazon.coral.service#{code}", "message": message}, status=400)


def test_access_denied_on_list_tables_says_what_still_works(moto_endpoint):
    conn = _one_try(moto_endpoint)
    injector = Injector(conn.client, "ListTables", _error(
        "AccessDeniedException", "User: arn:aws:iam::123456789012:user/bob is not "
        "authorized to perform: dynamodb:ListTables"))
    try:
        with pytest.raises(AwsError) as caught:
            asyncio.run(catalog.list_tables_page(conn))
        check = asyncio.run(check_connection(conn))
    finally:
        injector.remove()
    err = caught.value
    assert err.code == "AccessDeniedException"
    assert "not allowed to list tables" in err.message
    assert "open a table by name" in err.hint
    assert check.table_count is None and "not allowed" in check.tables_error
    assert check.summary == f"Connected in {REGION}, tables cannot be listed."


@pytest.mark.parametrize("code", ["ExpiredTokenException", "ExpiredToken", "RequestExpired"])
def test_expired_credentials_say_to_get_fresh_ones(moto_endpoint, code):
    conn = _one_try(moto_endpoint)
    injector = Injector(conn.client, "ListTables", _error(code, "The token is expired"))
    try:
        with pytest.raises(AwsError) as caught:
            asyncio.run(catalog.list_tables_page(conn))
    finally:
        injector.remove()
    assert "credentials have expired" in caught.value.message
    assert "fresh credentials" in caught.value.hint


def test_a_table_in_another_region_points_at_the_region(moto_endpoint, ddb, table_name):
    _table(ddb, table_name)  # in eu-west-1
    conn = _one_try(moto_endpoint, region="us-west-2")
    with pytest.raises(AwsError) as caught:
        _describe(conn, table_name)
    assert caught.value.code == "ResourceNotFoundException"
    assert "this connection uses us-west-2" in caught.value.hint


def test_an_unrecognised_key_points_at_the_region(moto_endpoint):
    conn = _one_try(moto_endpoint, region="ap-east-1")
    injector = Injector(conn.client, "ListTables", _error(
        "UnrecognizedClientException", "The security token included in the request "
        "is invalid."))
    try:
        with pytest.raises(AwsError) as caught:
            asyncio.run(catalog.list_tables_page(conn))
    finally:
        injector.remove()
    assert "does not recognise these credentials" in caught.value.message
    assert "Check the region (ap-east-1 now)" in caught.value.hint


def test_a_host_that_does_not_resolve_is_named():
    conn = _one_try("http://no-such-host.invalid:8000")
    with pytest.raises(ConnectionFailed) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    assert "cannot find the host no-such-host.invalid" in caught.value.message
    assert "spelling" in caught.value.hint


# --- read-only ----------------------------------------------------------------------------

_ITEM = {"pk": {"S": "a"}}
#: (client method, request for table t): one of each kind of write
WRITES = [
    ("put_item", lambda t: {"TableName": t, "Item": _ITEM}),
    ("update_item", lambda t: {"TableName": t, "Key": _ITEM, "UpdateExpression": "SET v = :v",
                               "ExpressionAttributeValues": {":v": {"S": "x"}}}),
    ("delete_item", lambda t: {"TableName": t, "Key": _ITEM}),
    ("batch_write_item", lambda t: {"RequestItems": {t: [{"PutRequest": {"Item": _ITEM}}]}}),
    ("transact_write_items", lambda t: {"TransactItems": [{"Put": {"TableName": t,
                                                                   "Item": _ITEM}}]}),
    ("execute_statement", lambda t: {"Statement": f"INSERT INTO \"{t}\" VALUE {{'pk': 'a'}}"}),
    ("batch_execute_statement", lambda t: {"Statements": [
        {"Statement": f'SELECT * FROM "{t}"'},
        {"Statement": f"UPDATE \"{t}\" SET v = 1 WHERE pk = 'a'"}]}),
    ("execute_transaction", lambda t: {"TransactStatements": [
        {"Statement": f"DELETE FROM \"{t}\" WHERE pk = 'a'"}]}),
    ("update_time_to_live", lambda t: {"TableName": t, "TimeToLiveSpecification": {
        "Enabled": True, "AttributeName": "ttl"}}),
    ("delete_table", lambda t: {"TableName": t}),
]


@pytest.mark.parametrize(("operation", "kwargs"), WRITES, ids=[w[0] for w in WRITES])
def test_a_read_only_connection_sends_no_write(moto_endpoint, ddb, table_name,
                                               operation, kwargs):
    _table(ddb, table_name)
    conn = _one_try(moto_endpoint, read_only=True)
    api = operation_name(operation)
    injector = Injector(conn.client, api, lambda request, n: None)
    request = kwargs(table_name)
    try:
        with pytest.raises(ReadOnlyError) as caught:
            asyncio.run(conn.call(operation, "change the table", **request))
        # Code that reaches for the client itself is refused too.
        with pytest.raises(ReadOnlyError):
            getattr(conn.client, operation)(**request)
    finally:
        injector.remove()
    assert injector.sent == 0
    assert caught.value.operation == api
    assert "read-only connection" in caught.value.message
    assert ddb.describe_table(TableName=table_name)["Table"]["ItemCount"] == 0
    assert "Item" not in ddb.get_item(TableName=table_name, Key=_ITEM)


def test_a_read_only_connection_still_reads(moto_endpoint, ddb, table_name):
    _table(ddb, table_name)
    ddb.put_item(TableName=table_name, Item=_ITEM)
    conn = _one_try(moto_endpoint, read_only=True)
    got = asyncio.run(conn.call("get_item", "read", TableName=table_name, Key=_ITEM))
    assert got["Item"] == _ITEM
    rows = asyncio.run(conn.call("execute_statement", "query",
                                 Statement=f'SELECT * FROM "{table_name}"'))
    assert rows["Items"] == [_ITEM]


def test_every_write_in_botocores_model_is_refused():
    model = botocore.session.get_session().get_service_model("dynamodb")
    names = set(model.operation_names)
    assert len(names) > 50
    for name in names:
        assert operation_name(xform_name(name)) == name
    assert not (READ_OPERATIONS & WRITE_OPERATIONS)
    assert not (PARTIQL_OPERATIONS & (READ_OPERATIONS | WRITE_OPERATIONS))
    writes = {n for n in names if not n.startswith(READ_PREFIXES)} - ALSO_READS
    assert writes - PARTIQL_OPERATIONS - WRITE_OPERATIONS == set()
    assert names - writes <= READ_OPERATIONS
    for name in writes - PARTIQL_OPERATIONS:
        assert is_write(xform_name(name), {})
    for name in names - writes:
        assert not is_write(xform_name(name), {})
    assert is_write("frobnicate_table", {})  # unknown operations count as writes


@pytest.mark.parametrize(("statement", "writes"), [
    ("SELECT * FROM t", False),
    ("  select pk FROM t", False),
    ("/* c */ (SELECT * FROM t)", False),
    ("INSERT INTO t VALUE {'a': 'SELECT'}", True),
    ("SELECTED FROM t", True),
    ("", True),
    (None, True),
])
def test_partiql_is_a_read_only_when_every_statement_selects(statement, writes):
    assert is_write("execute_statement", {"Statement": statement}) is writes
    assert is_write("ExecuteTransaction",
                    {"TransactStatements": [{"Statement": "SELECT * FROM t"},
                                            {"Statement": statement}]}) is writes
    assert is_write("batch_execute_statement", {"Statements": []}) is True


def test_production_connections_ask_before_writes_only():
    prod = Connection(ConnectionProfile(name="p", kind="default", production=True))
    plain = Connection(ConnectionProfile(name="q", kind="default"))
    assert prod.needs_confirmation("put_item", {})
    assert not prod.needs_confirmation("query", {})
    assert not prod.needs_confirmation("execute_statement", {"Statement": "SELECT 1"})
    assert not plain.needs_confirmation("put_item", {})
    assert not prod.ready  # asking touched no credentials


def test_profiles_keep_their_id_and_refuse_nonsense():
    a = ConnectionProfile(name="x", kind="endpoint", endpoint_url="http://h:1")
    b = ConnectionProfile(name="x", kind="endpoint", endpoint_url="http://h:1")
    assert a.id != b.id and a == b  # same settings compare equal
    copy = a.duplicate()
    assert copy.id != a.id and copy.name == "x (copy)"
    with pytest.raises(ValueError):
        ConnectionProfile(name="x", kind="cloud")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ConnectionProfile(name="x", kind="profile", credentials=EndpointKeys("a", "b"))
    assert ConnectionProfile(name="x", kind="profile", region="").label == \
        "x · profile region"


ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: this test process has imported boto3 long ago.
_LAZY_SDK = """
import sys
import app.aws_config, app.catalog, app.errors, app.history, app.sandbox, app.settings
from app import connections as c

def sdk():
    return sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore"))

assert sdk() == [], f"imported with the app's modules: {sdk()}"
err = app.errors.describe(ValueError("bad"), "list the tables")
assert "ValueError: bad" in err.message and sdk() == [], sdk()
profile = c.ConnectionProfile(name="e", kind="endpoint", endpoint_url="http://127.0.0.1:9")
conn = c.connect(profile)
assert not conn.ready and sdk() == [], "connect() loaded the SDK on the caller's thread"
c.load_sdk().result(timeout=60)
assert c.sdk_loaded()
assert c.connect(profile).ready  # with the SDK loaded, fixed keys get their client at once
print("ok")
"""


def test_the_sdk_is_imported_on_a_worker_thread_not_with_the_app():
    result = subprocess.run([sys.executable, "-c", _LAZY_SDK], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "ok", result.stdout + result.stderr


def test_credential_failures_are_told_apart_by_botocore_class():
    from types import SimpleNamespace

    from app.connections import _Built

    built = _Built(session=None, client=SimpleNamespace(meta=SimpleNamespace(region_name="r")))
    conn = Connection(ConnectionProfile(name="p", kind="default"))
    for exc, forgets in [
        (botocore.exceptions.NoCredentialsError(), True),
        (botocore.exceptions.ProfileNotFound(profile="x"), True),
        (MfaCancelled("no code"), True),
        (botocore.exceptions.EndpointConnectionError(endpoint_url="http://h"), False),
        (ValueError("x"), False),
    ]:
        conn._built = built
        conn._explain(exc, "list_tables", "list the tables", built)
        assert (conn._built is None) is forgets, exc

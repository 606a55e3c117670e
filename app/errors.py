"""One exception family whose messages tell the user what happened and what to do."""

from __future__ import annotations

import shlex
import socket
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import botocore.exceptions


class DynascopeError(Exception):
    """An error the user can act on: `str(err)` is a full sentence, `hint` the next step.

    `command` is a shell command that fixes it (e.g. ``aws sso login --profile dev``),
    or "" when there is none: the UI offers to copy it.
    """

    command: str = ""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConnectionFailed(DynascopeError):
    """The endpoint could not be reached or refused the credentials."""


class AwsError(DynascopeError):
    """DynamoDB answered with an error."""

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class SandboxError(DynascopeError):
    """The embedded sandbox could not start or seed its data."""


class ProfileError(ConnectionFailed):
    """The AWS profile is missing, or its configuration cannot be used."""


class SignInRequired(ConnectionFailed):
    """The credentials need a sign-in outside the app (`aws sso login`); see `command`."""

    def __init__(self, message: str, hint: str = "", command: str = "") -> None:
        super().__init__(message, hint)
        self.command = command


class MfaCancelled(ConnectionFailed):
    """The profile needs an MFA code and none was given."""


class ReadOnlyError(DynascopeError):
    """A write was refused because the connection is read-only. Nothing was sent."""

    def __init__(self, message: str, hint: str = "", operation: str = "") -> None:
        super().__init__(message, hint)
        self.operation = operation


class SettingsError(DynascopeError):
    """The settings file could not be read or written; `backup` is where a copy was kept."""

    def __init__(self, message: str, hint: str = "", backup: str = "") -> None:
        super().__init__(message, hint)
        self.backup = backup


def sso_login_command(profile_name: str | None) -> str:
    """The command that refreshes an IAM Identity Center (SSO) sign-in."""
    if not profile_name:
        return "aws sso login"
    return f"aws sso login --profile {shlex.quote(profile_name)}"


def login_command(profile_name: str | None) -> str:
    """The command that refreshes an `aws login` console sign-in."""
    if not profile_name:
        return "aws login"
    return f"aws login --profile {shlex.quote(profile_name)}"


_HINTS = {
    "ResourceNotFoundException": "It may have been deleted, or it lives in another region.",
    "AccessDeniedException": "Your credentials lack this permission; ask for it or use "
    "another profile.",
    "UnrecognizedClientException": "The access key is not valid for this endpoint or "
    "region: check the region, or use other credentials.",
    "InvalidSignatureException": "The secret key does not match the access key, or this "
    "computer's clock is wrong: check both.",
    "ProvisionedThroughputExceededException": "The table is throttling; wait a moment "
    "and try again.",
    "ThrottlingException": "DynamoDB is throttling requests; wait a moment and try again.",
}

#: error codes that mean "these credentials have expired"
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired",
                           "TokenRefreshRequired"})

# Messages that mean "the host name does not resolve", on Linux, macOS and Windows.
_NAME_RESOLUTION = ("name or service not known", "nodename nor servname",
                    "getaddrinfo failed", "temporary failure in name resolution",
                    "no address associated with hostname", "failed to resolve")


def _unresolved_host(error: BaseException | None) -> bool:
    """True when the cause of a connection error is a DNS lookup that failed."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, socket.gaierror) or type(error).__name__ == "NameResolutionError":
            return True
        if any(text in str(error).lower() for text in _NAME_RESOLUTION):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _client_error(exc: botocore.exceptions.ClientError, action: str, operation: str,
                  region: str, profile_name: str | None, sso: bool) -> DynascopeError:
    err = exc.response.get("Error", {})
    code = err.get("Code", "Unknown")
    text = err.get("Message") or code
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if status >= 500 and (code.isdigit() or text.lstrip().startswith("<")):
        # Not a DynamoDB error but a crash page (local emulators do this).
        return AwsError(
            f"Could not {action}: the endpoint failed while handling the request "
            f"(HTTP {status}) and sent no DynamoDB error.",
            "Real DynamoDB would answer this; a local emulator may not support it. "
            "Try a simpler request, or check the emulator's log.",
            code="InternalServerError")
    if code in EXPIRED_CODES:
        if sso:
            command = sso_login_command(profile_name)
            return SignInRequired(
                f"Could not {action}: your AWS sign-in has expired ({code}).",
                f"Run `{command}` in a terminal, then try again.", command=command)
        return AwsError(
            f"Could not {action}: your AWS credentials have expired ({code}).",
            "Get fresh credentials (sign in again, or renew the session token in your "
            "profile or environment), then try again.", code)
    if code == "AccessDeniedException" and operation == "ListTables":
        return AwsError(
            f"Could not {action}: your credentials are not allowed to list tables "
            f"(dynamodb:ListTables). {text}",
            "You can still open a table by name if your credentials allow reading it; "
            "or ask for dynamodb:ListTables.", code)
    if code == "ResourceNotFoundException" and region:
        return AwsError(
            f"Could not {action}: {text} ({code}).",
            f"It may have been deleted, or it lives in another region: this connection "
            f"uses {region}.", code)
    if code in ("UnrecognizedClientException", "InvalidClientTokenId") and region:
        return AwsError(
            f"Could not {action}: the endpoint does not recognise these credentials ({code}).",
            f"Check the region ({region} now): keys from another partition or an opt-in "
            "region are not valid everywhere. Otherwise the access key is wrong or "
            "deleted; use other credentials.", code)
    return AwsError(f"Could not {action}: {text} ({code}).", _HINTS.get(code, ""), code)


def describe(exc: BaseException, action: str, *, operation: str = "", region: str = "",
             profile_name: str | None = None, sso: bool = False) -> DynascopeError:
    """Turn any exception from a DynamoDB call into a `DynascopeError` for the user.

    `action` says what was being done, e.g. "list tables". The keywords make the advice
    precise: `operation` is the API name ("ListTables"), `region` the connection's region,
    `profile_name` its AWS profile, and `sso` whether that profile signs in through IAM
    Identity Center.
    """
    if isinstance(exc, DynascopeError):
        return exc
    # botocore is loaded on the first connection, off the GUI thread; until it is, no
    # exception can be one of its own (and this never imports it on the caller's thread).
    exceptions = sys.modules.get("botocore.exceptions")
    if exceptions is None:
        return _unexpected(exc, action)
    if isinstance(exc, exceptions.ClientError):
        return _client_error(exc, action, operation, region, profile_name, sso)
    if isinstance(exc, exceptions.EndpointConnectionError):
        where = exc.kwargs.get("endpoint_url", "the endpoint")
        if _unresolved_host(exc.kwargs.get("error")):
            return ConnectionFailed(
                f"Could not {action}: cannot find the host {_host(where)} (the name does "
                "not resolve).",
                "Check the spelling of the endpoint URL and of the region, and that your "
                "network and DNS work.")
        return ConnectionFailed(
            f"Could not {action}: nothing answers at {where}.",
            "Check that the endpoint is running and the URL is right.",
        )
    if isinstance(exc, (exceptions.ConnectTimeoutError, exceptions.ReadTimeoutError)):
        return ConnectionFailed(
            f"Could not {action}: the endpoint did not answer in time.",
            "Check your network, then try again.",
        )
    if isinstance(exc, exceptions.ProfileNotFound):
        name = exc.kwargs.get("profile", profile_name)
        return ProfileError(
            f"Could not {action}: there is no AWS profile named {name!r} in your AWS "
            "config or credentials file.",
            "Check the name (see `aws configure list-profiles`), or choose another profile.")
    if isinstance(exc, (exceptions.SSOError, exceptions.TokenRetrievalError)):
        command = sso_login_command(profile_name)
        return SignInRequired(
            f"Could not {action}: your AWS IAM Identity Center (SSO) sign-in is missing "
            "or has expired.",
            f"Run `{command}` in a terminal, then try again.", command=command)
    if isinstance(exc, exceptions.LoginError):
        command = login_command(profile_name)
        return SignInRequired(
            f"Could not {action}: your AWS console sign-in is missing or has expired.",
            f"Run `{command}` in a terminal, then try again.", command=command)
    if isinstance(exc, exceptions.RefreshWithMFAUnsupportedError):
        return ConnectionFailed(
            f"Could not {action}: the temporary credentials from your MFA code have "
            "expired (or no code was given).",
            "Try again: you will be asked for a new MFA code.")
    if isinstance(exc, exceptions.CredentialRetrievalError):
        provider = exc.kwargs.get("provider", "the credential provider")
        return ProfileError(
            f"Could not {action}: getting credentials from {provider} failed: "
            f"{exc.kwargs.get('error_msg', exc)}",
            "For credential_process, run the command in a terminal to see why it fails.")
    if isinstance(exc, exceptions.NoRegionError):
        return ProfileError(
            f"Could not {action}: no region is set for this connection.",
            "Choose a region for the connection, or set `region` in the AWS profile.")
    if isinstance(exc, exceptions.ConfigParseError):
        return ProfileError(
            f"Could not {action}: your AWS config file cannot be read "
            f"({exc.kwargs.get('path', 'unknown file')}).",
            "Fix the file's syntax (it is an INI file), then try again.")
    if isinstance(exc, (exceptions.InvalidConfigError, exceptions.PartialCredentialsError)):
        return ProfileError(
            f"Could not {action}: the AWS profile is not configured completely: {exc}.",
            "Fix the profile in your AWS config file (e.g. with `aws configure`).")
    if isinstance(exc, exceptions.NoCredentialsError):
        return ConnectionFailed(
            f"Could not {action}: no AWS credentials were found.",
            "Choose a profile, or set credentials in your environment.",
        )
    if isinstance(exc, exceptions.ParamValidationError):
        # The request was refused before it was sent: a bug in how it was built.
        return DynascopeError(f"Could not {action}: the request is not valid: {exc}",
                              "Nothing was sent. Please report this with the request shown.")
    if isinstance(exc, exceptions.BotoCoreError):
        return ConnectionFailed(f"Could not {action}: {exc}")
    return _unexpected(exc, action)


def _unexpected(exc: BaseException, action: str) -> DynascopeError:
    return DynascopeError(f"Could not {action}: {exc.__class__.__name__}: {exc}")

"""One exception family whose messages tell the user what happened and what to do."""

from __future__ import annotations

import botocore.exceptions


class DynascopeError(Exception):
    """An error the user can act on: `str(err)` is a full sentence, `hint` the next step."""

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


_HINTS = {
    "ResourceNotFoundException": "It may have been deleted, or it lives in another region.",
    "AccessDeniedException": "Your credentials lack this permission; ask for it or use "
    "another profile.",
    "UnrecognizedClientException": "The access key is not valid for this endpoint.",
    "ExpiredTokenException": "Your session credentials have expired; sign in again.",
    "ProvisionedThroughputExceededException": "The table is throttling; wait a moment "
    "and try again.",
    "ThrottlingException": "DynamoDB is throttling requests; wait a moment and try again.",
}


def describe(exc: BaseException, action: str) -> DynascopeError:
    """Turn any exception from a DynamoDB call into a `DynascopeError` for the user.

    `action` says what was being done, e.g. "list tables".
    """
    if isinstance(exc, DynascopeError):
        return exc
    if isinstance(exc, botocore.exceptions.ClientError):
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
        return AwsError(f"Could not {action}: {text} ({code}).", _HINTS.get(code, ""), code)
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        where = exc.kwargs.get("endpoint_url", "the endpoint")
        return ConnectionFailed(
            f"Could not {action}: nothing answers at {where}.",
            "Check that the endpoint is running and the URL is right.",
        )
    if isinstance(exc, (botocore.exceptions.ConnectTimeoutError,
                        botocore.exceptions.ReadTimeoutError)):
        return ConnectionFailed(
            f"Could not {action}: the endpoint did not answer in time.",
            "Check your network, then try again.",
        )
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return ConnectionFailed(
            f"Could not {action}: no AWS credentials were found.",
            "Choose a profile, or set credentials in your environment.",
        )
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return ConnectionFailed(f"Could not {action}: {exc}")
    return DynascopeError(f"Could not {action}: {exc.__class__.__name__}: {exc}")

"""The user's AWS profiles, read with botocore's own config loader, never their secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.errors import ProfileError, login_command, sso_login_command


@dataclass(frozen=True)
class AwsProfile:
    """One profile of the shared config/credentials files, as shown in a picker.

    Only names and flags: never a key, token or the value of `credential_process`.
    """

    name: str
    region: str | None = None
    sso: bool = False  # IAM Identity Center: `sso_session` or the legacy `sso_*` keys
    sso_session: str | None = None
    role_arn: str | None = None  # assume-role, from `source_profile` or `credential_source`
    mfa_serial: str | None = None
    credential_process: bool = False
    static_keys: bool = False  # aws_access_key_id in the config or credentials file
    web_identity: bool = False
    login: bool = False  # `aws login` (login_session)
    endpoint_url: str | None = None  # a profile-wide `endpoint_url`, if any

    @property
    def role(self) -> bool:
        return self.role_arn is not None

    @property
    def mfa(self) -> bool:
        """Assuming the role asks for an MFA code (the app's prompter answers it)."""
        return self.role and self.mfa_serial is not None

    @property
    def auth(self) -> str:
        """How the profile signs in, in a few words."""
        if self.sso:
            return "IAM Identity Center (SSO)"
        if self.web_identity:
            return "web identity"
        if self.role:
            return "assume role with MFA" if self.mfa else "assume role"
        if self.login:
            return "aws login"
        if self.credential_process:
            return "credential process"
        if self.static_keys:
            return "access keys"
        return "no credentials in the profile"

    @property
    def login_command(self) -> str:
        """The command that signs this profile in again, or "" when there is none."""
        if self.sso:
            return sso_login_command(self.name)
        if self.login:
            return login_command(self.name)
        return ""

    @property
    def description(self) -> str:
        """E.g. "assume role with MFA · eu-west-1"."""
        return " · ".join(p for p in (self.auth, self.region or "no region") if p)


def config_files() -> tuple[Path, Path]:
    """The config and credentials files botocore reads (AWS_CONFIG_FILE and
    AWS_SHARED_CREDENTIALS_FILE honoured)."""
    config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
    credentials = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
    return Path(config).expanduser(), Path(credentials).expanduser()


def profile_from_config(name: str, raw: dict[str, Any]) -> AwsProfile:
    """An `AwsProfile` from one profile section of botocore's `full_config`."""
    return AwsProfile(
        name=name,
        region=raw.get("region") or None,
        sso="sso_session" in raw or "sso_start_url" in raw or "sso_account_id" in raw,
        sso_session=raw.get("sso_session"),
        role_arn=raw.get("role_arn"),
        mfa_serial=raw.get("mfa_serial"),
        credential_process="credential_process" in raw,
        static_keys="aws_access_key_id" in raw,
        web_identity="web_identity_token_file" in raw,
        login="login_session" in raw,
        endpoint_url=raw.get("endpoint_url") or None,
    )


def _full_config() -> dict[str, Any]:
    # A fresh session: the files are read again, so edits made meanwhile show up.
    # (full_config does not depend on the selected profile: a wrong AWS_PROFILE is fine.)
    # botocore is imported here, not with this module: the app loads it off the GUI thread
    # after start (app.connections.load_sdk), so by the time anyone asks it is loaded.
    import botocore.exceptions
    import botocore.session

    try:
        return botocore.session.Session().full_config
    except botocore.exceptions.ConfigParseError as exc:
        raise ProfileError(
            f"Your AWS config file cannot be read: {exc.kwargs.get('path', exc)}.",
            "Fix the file's syntax (it is an INI file), then try again.") from exc


def list_profiles() -> list[AwsProfile]:
    """Every profile of the config and credentials files, "default" first, then by name.

    Reads files only: resolves no credentials, runs no process, asks no network.
    """
    profiles = _full_config().get("profiles", {})
    found = [profile_from_config(name, raw or {}) for name, raw in profiles.items()]
    return sorted(found, key=lambda p: (p.name != "default", p.name.lower()))


def get_profile(name: str) -> AwsProfile | None:
    """The profile called `name`, or None when the files do not have it."""
    raw = _full_config().get("profiles", {}).get(name)
    return None if raw is None else profile_from_config(name, raw)


__all__ = ["AwsProfile", "config_files", "get_profile", "list_profiles",
           "profile_from_config"]

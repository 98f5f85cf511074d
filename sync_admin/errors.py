"""Exceptions raised by the plugin shell.

Kept in one small module so that the CLI, the services and the provider
registry can all raise and catch them without import cycles.
"""

from __future__ import annotations

__all__ = [
    "AlreadyRunning",
    "ConfigurationError",
    "NotFound",
    "ProviderLoadError",
    "SyncAdminError",
    "ValidationError",
]


class SyncAdminError(Exception):
    """Base class for every error the plugin raises on purpose."""


class ConfigurationError(SyncAdminError):
    """The application is configured in a way the plugin cannot run with.

    The CLI turns it into a one-line message and a non-zero exit code,
    never a traceback.
    """


class ProviderLoadError(ConfigurationError):
    """A provider plugin is missing or declares something invalid."""


class ValidationError(SyncAdminError):
    """Input from staff or an API client is not acceptable.

    ``field`` names the offending input so that forms and the API can point at it.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NotFound(SyncAdminError):
    """A referenced object does not exist (or is outside the caller's scope)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AlreadyRunning(SyncAdminError):
    """A company already has an active run; the caller gets that run back."""

    def __init__(self, run_id: int, company_id: int) -> None:
        super().__init__(f"sync already running for company {company_id} (run {run_id})")
        self.run_id = run_id
        self.company_id = company_id

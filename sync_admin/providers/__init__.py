"""Provider plugins: loaded from the entry-point group ``sync_admin.providers``.

``get(name)`` and ``all()`` return the enabled providers of the current app
(``SYNC_ADMIN_PROVIDERS``), or every installed one outside an app. Loading
validates each plugin and fails loudly on a broken one; importing a plugin
never imports its HTTP client.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points

from flask import current_app, has_app_context

from ..errors import ProviderLoadError
from .base import (
    EntitySpec,
    ExternalAccount,
    OAuthSpec,
    Provider,
    ProviderCompanyInfo,
    ProviderSetting,
    RateLimits,
    TokenLifetimes,
    WebhookEvent,
    decode_body,
)
from .catalog import Catalog, CatalogEntry, Diagnosis, ErrorInfo
from .client import (
    ClientContext,
    Pacer,
    ProviderChange,
    ProviderClient,
    ProviderError,
    PushItem,
    PushOutcome,
    Refs,
    TokenSource,
)

__all__ = [
    "GROUP",
    "Catalog",
    "CatalogEntry",
    "ClientContext",
    "Diagnosis",
    "EntitySpec",
    "ErrorInfo",
    "ExternalAccount",
    "OAuthSpec",
    "Pacer",
    "Provider",
    "ProviderChange",
    "ProviderClient",
    "ProviderCompanyInfo",
    "ProviderError",
    "ProviderSetting",
    "PushItem",
    "PushOutcome",
    "RateLimits",
    "Refs",
    "TokenLifetimes",
    "TokenSource",
    "WebhookEvent",
    "all",
    "decode_body",
    "get",
    "installed",
    "load",
    "names",
]

GROUP = "sync_admin.providers"


def installed() -> dict[str, Provider]:
    """Every provider installed in this environment, validated."""
    found: dict[str, Provider] = {}
    for ep in entry_points(group=GROUP):
        if ep.name in found:
            continue
        try:
            provider = ep.load()
        except Exception as exc:
            raise ProviderLoadError(
                f"provider plugin {ep.name!r} ({ep.value}) failed to import: {exc}"
            ) from exc
        _validate(ep.name, provider)
        found[ep.name] = provider
    return found


def load(enabled: Iterable[str] | None) -> dict[str, Provider]:
    """The providers named in ``enabled`` (all installed when empty), in that order."""
    available = installed()
    names_ = list(enabled or [])
    if not names_:
        return available
    unknown = [n for n in names_ if n not in available]
    if unknown:
        known = ", ".join(sorted(available)) or "none"
        raise ProviderLoadError(
            f"SYNC_ADMIN_PROVIDERS names unknown provider(s) {', '.join(unknown)}; installed: {known}"
        )
    return {n: available[n] for n in names_}


def _validate(entry_name: str, provider: object) -> None:
    if not isinstance(provider, Provider):
        raise ProviderLoadError(
            f"provider plugin {entry_name!r} must expose a sync_admin.providers.Provider instance, "
            f"got {type(provider).__name__}"
        )
    if provider.name != entry_name:
        raise ProviderLoadError(
            f"provider plugin {entry_name!r} declares name {provider.name!r}; they must match"
        )
    problems = provider.problems()
    if problems:
        raise ProviderLoadError(f"provider plugin {entry_name!r} is broken: " + "; ".join(problems))


def _registry() -> dict[str, Provider]:
    if has_app_context() and "sync_admin" in current_app.extensions:
        return current_app.extensions["sync_admin"].providers
    return installed()


def get(name: str) -> Provider:
    registry = _registry()
    try:
        return registry[name]
    except KeyError:
        raise ProviderLoadError(
            f"unknown provider {name!r}; enabled: {', '.join(registry)}"
        ) from None


def all() -> list[Provider]:
    return list(_registry().values())


def names() -> list[str]:
    return list(_registry())

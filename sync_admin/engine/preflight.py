"""Checks made before any provider call, and the errors core itself reports.

What the provider would certainly reject (a missing or inactive mapping, a field
over the provider's length limit, a missing required field, a record whose
dependency never synced) is recorded without a call. These errors have their own
small catalog, ``sync_admin.*``, with the same shape as a provider's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..providers import Catalog, CatalogEntry, Diagnosis, EntitySpec, ErrorInfo, Provider, Refs
from ..records import InvoiceLine
from ..vocabulary import Action, Category, Entity, MappingKind

__all__ = ["CORE", "claim", "dependencies", "diagnosis", "mapping_needs", "preflight"]

log = logging.getLogger(__name__)

_KEY_FACT = r"(?P<kind>fee item|bank account|account|tax rate|bad debt) '(?P<host_key>[^']*)'"

CORE = Catalog(
    "sync_admin",
    [
        CatalogEntry(
            code="sync_admin.missing_mapping",
            category=Category.MISSING_MAPPING,
            title="Mapping missing",
            meaning="The record uses a fee item, account, tax rate or bad debt item that is not "
            "mapped to the provider, so the provider could not book it.",
            fix=(
                "Open the company's mappings and map the named host key.",
                "Retry the record.",
            ),
            action=Action.MAP_FEE_ITEM,
            facts=(_KEY_FACT,),
        ),
        CatalogEntry(
            code="sync_admin.inactive_mapping",
            category=Category.MISSING_MAPPING,
            title="Mapped to an inactive provider record",
            meaning="The mapping points at an account or item that is inactive or deleted in "
            "the provider.",
            fix=(
                "Reactivate the provider record, or map the host key to an active one.",
                "Retry the record.",
            ),
            action=Action.MAP_FEE_ITEM,
            facts=(_KEY_FACT,),
        ),
        CatalogEntry(
            code="sync_admin.field_too_long",
            category=Category.VALIDATION,
            title="Field longer than the provider allows",
            meaning="A field is over the provider's length limit and would be rejected.",
            fix=("Shorten the named field in the host product.", "Retry the record."),
            action=Action.EDIT_RECORD,
            facts=(
                r"field (?P<field>[\w.]+) is too long: (?P<length>\d+) characters; (?P<limit>\d+)",
            ),
        ),
        CatalogEntry(
            code="sync_admin.required_missing",
            category=Category.VALIDATION,
            title="Required field missing",
            meaning="A field the provider requires is empty.",
            fix=("Fill in the named field in the host product.", "Retry the record."),
            action=Action.EDIT_RECORD,
            facts=(r"field (?P<field>[\w.]+) is required",),
        ),
        CatalogEntry(
            code="sync_admin.provider_check_failed",
            category=Category.UNKNOWN,
            title="Provider check failed",
            meaning="The accounting software plugin's own check of the record raised an error "
            "instead of an answer: a bug in the plugin, not in the record. The application "
            "log has the traceback.",
            fix=(
                "Send the support bundle and the time of the failure to whoever maintains the "
                "plugin.",
                "Retry the record once the plugin is fixed.",
            ),
            action=Action.RETRY,
        ),
        CatalogEntry(
            code="sync_admin.dependency_not_synced",
            category=Category.NOT_FOUND,
            title="Waiting for a record it depends on",
            meaning="The record refers to another record (its contact, the invoice it pays) "
            "that has not synced; it is retried once that one succeeds.",
            fix=("Fix the error of the record named in the details.", "Retry that record."),
            action=Action.RETRY,
            facts=(r"(?P<entity>\w+) (?P<local_id>\S+) ",),
        ),
        CatalogEntry(
            code="sync_admin.deleted_in_host",
            category=Category.NOT_FOUND,
            title="Record no longer exists in the host product",
            meaning="A retry asked for a record that the host product has deleted.",
            fix=("Exclude the error; there is nothing left to sync.",),
            action=Action.EXCLUDE,
        ),
        CatalogEntry(
            code="sync_admin.deleted_in_provider",
            category=Category.NOT_FOUND,
            title="Record deleted in the accounting software",
            meaning="The record synced, then someone deleted, voided or archived it in the "
            "accounting software (the provider's change feed reported it). The link to the "
            "provider's record was removed.",
            fix=(
                "If the record belongs in the accounting software, retry it: the sync creates a "
                "fresh copy.",
                "If it was removed on purpose, exclude the error.",
            ),
            action=Action.RETRY,
            facts=(r"was (?P<provider_status>\w+) in ",),
        ),
        CatalogEntry(
            code="sync_admin.network_error",
            category=Category.TRANSIENT_SERVER,
            title="The provider could not be reached",
            meaning="The request timed out or the connection failed; whether the provider "
            "stored the write is unknown, so the retry reuses its idempotency key.",
            fix=("Nothing to do: the record is retried automatically.",),
            action=Action.WAIT,
            retryable=True,
            max_retries=10,
        ),
        CatalogEntry(
            code="sync_admin.not_ready",
            category=Category.VALIDATION,
            title="Company not ready to sync",
            meaning="The company is unlinked, has no host company, or lost its connection.",
            fix=("Link the company (or reconnect the provider), then resync it.",),
            action=Action.RECONNECT,
        ),
        CatalogEntry(
            code="sync_admin.internal_error",
            category=Category.UNKNOWN,
            title="Internal error",
            meaning="The sync stopped on an error of the plugin or the host adapter.",
            fix=("Send the run's log to the developers.", "Resync the company."),
            action=Action.RETRY,
        ),
        CatalogEntry(
            code="sync_admin.run_timed_out",
            category=Category.TRANSIENT_SERVER,
            title="Sync run timed out",
            meaning="The run did not finish within the configured timeout.",
            fix=("Resync the company.",),
            action=Action.RETRY,
        ),
    ],
)

# Which mapping kind backs which pulled entity (the reference data a mapping names).
MAPPING_ENTITY = {
    MappingKind.FEE_ITEM: Entity.ITEM,
    MappingKind.ACCOUNT: Entity.ACCOUNT,
    MappingKind.TAX_RATE: Entity.TAX_RATE,
}


def diagnosis(code: str, message: str) -> Diagnosis:
    entry = CORE.get(code)
    return Diagnosis(
        entry=entry,
        status=0,
        message=message,
        facts=CORE.extract_facts(entry, message),
        body_kind="none",
    )


def dependencies(record: Any) -> list[tuple[Entity, str]]:
    """Host records this one refers to, which must be synced before it."""
    deps: list[tuple[Entity, str]] = []
    contact = getattr(record, "contact_id", "")
    if contact:
        deps.append((Entity.CONTACT, str(contact)))
    for app in getattr(record, "applications", None) or []:
        deps.append((Entity.INVOICE, str(app.invoice_id)))
    for name in ("invoice_id", "applied_invoice_id"):
        value = getattr(record, name, "")
        if value:
            deps.append((Entity.INVOICE, str(value)))
    payment = getattr(record, "payment_id", "")
    if payment:
        deps.append((Entity.PAYMENT, str(payment)))
    return list(dict.fromkeys(deps))


def mapping_needs(record: Any) -> list[tuple[MappingKind, str]]:
    """Mappings the record cannot be booked without: (kind, host key)."""
    needs: list[tuple[MappingKind, str]] = []
    lines: list[InvoiceLine] = getattr(record, "lines", None) or []
    for line in lines:
        needs.append((MappingKind.FEE_ITEM, line.fee_item))
        if line.tax_rate:
            needs.append((MappingKind.TAX_RATE, line.tax_rate))
        if line.account:
            needs.append((MappingKind.ACCOUNT, line.account))
    if getattr(record, "entity", None) == Entity.WRITE_OFF:
        needs.append((MappingKind.BAD_DEBT, record.fee_item or "default"))
    for name in ("deposit_account", "bank_account"):
        value = getattr(record, name, "")
        if value:
            needs.append((MappingKind.ACCOUNT, value))
    return list(dict.fromkeys(needs))


def preflight(
    provider: Provider,
    spec: EntitySpec,
    record: Any,
    refs: Refs,
    is_active: Callable[[MappingKind, str], bool],
    mapped_name: Callable[[MappingKind, str], str | None] | None = None,
) -> list[Diagnosis]:
    """Everything wrong with the record that needs no call to know.

    ``mapped_name`` gives the provider's name of the object a host key is mapped to, so an
    inactive mapping reads "mapped to Old Merchandise (8)" rather than a bare provider id.
    """
    found: list[Diagnosis] = []
    for name in spec.required:
        if not _values(record, name) or not all(str(v).strip() for v in _values(record, name)):
            found.append(diagnosis("sync_admin.required_missing", f"field {name} is required"))
    for name, limit in spec.field_limits.items():
        for value in _values(record, name):
            length = len(str(value))
            if length > limit:
                found.append(
                    diagnosis(
                        "sync_admin.field_too_long",
                        f"field {name} is too long: {length} characters; {limit} is the most "
                        f"{provider.label} accepts",
                    )
                )
                break
    for kind, key in mapping_needs(record):
        if kind == MappingKind.BAD_DEBT:
            if refs.mapping(kind, key) is None and refs.mapping(kind, "default") is None:
                found.append(_missing(record, kind, key))
            continue
        if refs.mapping(kind, key) is None:
            found.append(_missing(record, kind, key))
        elif not is_active(kind, key):
            provider_id = refs.mapping(kind, key)
            name = mapped_name(kind, key) if mapped_name else None
            target = f"{name} ({provider_id})" if name and name != provider_id else provider_id
            found.append(
                diagnosis(
                    "sync_admin.inactive_mapping",
                    f"{_KIND_WORDS[kind]} '{key}' is mapped to {target}, which "
                    f"is inactive in {provider.label}",
                )
            )
    found = [claim(provider, d) for d in found]
    try:
        found.extend(provider.preflight(spec.entity, record, refs))
    except Exception as exc:  # a plugin's check must not stop the run, nor pass for a record error
        log.exception("%s preflight of %s failed", provider.name, spec.entity)
        found.append(
            diagnosis(
                "sync_admin.provider_check_failed",
                f"{provider.label} check failed ({type(exc).__name__}); see the application log",
            )
        )
    return found


_KIND_WORDS = {
    MappingKind.FEE_ITEM: "fee item",
    MappingKind.ACCOUNT: "account",
    MappingKind.TAX_RATE: "tax rate",
    MappingKind.BAD_DEBT: "bad debt",
}


def _missing(record: Any, kind: MappingKind, key: str) -> Diagnosis:
    """Worded as the product documents put it, so a provider's own entry can claim it."""
    if kind == MappingKind.FEE_ITEM:
        line = next((x for x in getattr(record, "lines", []) if x.fee_item == key), None)
        number = getattr(record, "number", "") or getattr(record, "local_id", "")
        where = f"Invoice {number}" if getattr(record, "entity", "") == Entity.INVOICE else number
        detail = f", price {line.unit_price}, quantity {line.quantity}" if line is not None else ""
        message = f"No fee item mapped for line item: {where}, fee item '{key}'{detail}"
    elif kind == MappingKind.BAD_DEBT:
        message = f"No Bad Debt item mapped for write-offs (bad debt '{key}')"
    elif kind == MappingKind.ACCOUNT and any(
        getattr(record, name, "") == key for name in ("deposit_account", "bank_account")
    ):
        message = f"No account mapped: the bank account is not mapped (bank account '{key}')"
    elif kind == MappingKind.ACCOUNT:
        message = f"No account mapped: account '{key}'"
    else:
        message = f"No tax rate mapped: tax rate '{key}'"
    return diagnosis("sync_admin.missing_mapping", message)


def claim(provider: Provider, found: Diagnosis) -> Diagnosis:
    """The provider's own entry for a problem core found, when its catalog has one of the
    same category (QuickBooks' "No fee item mapped for line item"); else core's."""
    catalog = provider.catalog
    if catalog is None:
        return found
    try:
        entry = catalog.match(ErrorInfo(status=0, kind="none", messages=[found.message]))
    except Exception:
        return found
    if entry is catalog.unknown or entry.category != found.category:
        return found
    return Diagnosis(
        entry=entry,
        status=0,
        message=found.message,
        facts={**found.facts, **catalog.extract_facts(entry, found.message)},
        body_kind="none",
    )


def _values(record: Any, dotted: str) -> list[Any]:
    head, _, rest = dotted.partition(".")
    value = getattr(record, head, None)
    if value is None:
        return []
    if rest:
        items = value if isinstance(value, list) else [value]
        out: list[Any] = []
        for item in items:
            out.extend(_values(item, rest))
        return out
    if isinstance(value, list):
        return value
    return [value]

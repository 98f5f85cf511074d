"""Xero's known errors: what each means for staff, how to fix it, which button to offer.

Sources: seed 004 (Xero troubleshooting), seed 003 (sync errors that apply to
Xero), and the validation messages and error types of Xero's OpenAPI examples
and ``provider_facts.md`` (sections 1.2, 2.2, 3.2 and 4.2). Order matters only
between entries that score the same: the more specific entry comes first.

Codes read by ``parse_error`` (see errors.py) and matched by ``provider_codes``:
``ErrorNumber`` and ``Type`` of an ApiException (``10``, ``ValidationException``),
the problem-object detail word (``TokenExpired``, ``AuthenticationUnsuccessful``),
the OAuth ``error`` (``invalid_grant``) and ``rate:<X-Rate-Limit-Problem>``.
"""

from __future__ import annotations

from sync_admin.providers import Catalog, CatalogEntry
from sync_admin.vocabulary import Action, Category

__all__ = ["CATALOG"]

_RECONNECT = "Open Integrations, find the Xero connection, choose Manage, then Reconnect."

ENTRIES = [
    # --- authentication and connection (seed 004: OAuth token expired, connection disconnected)
    CatalogEntry(
        code="xero.token_expired",
        category=Category.AUTH_EXPIRED,
        title="Xero access token expired",
        meaning=(
            "Xero access tokens last 30 minutes. The sync refreshes the token once by itself; "
            "this error stays only when that refresh did not help."
        ),
        fix=(
            "Nothing to do for a single occurrence: the record is retried after the refresh.",
            "If it repeats, open the organisation's integration settings and check the token "
            "expiry time shown on the connection.",
            _RECONNECT,
            "When reconnecting, allow every permission Xero asks for (accounting and offline access).",
        ),
        action=Action.RECONNECT,
        retryable=True,
        max_retries=1,
        http_statuses=(401,),
        patterns=(r"TokenExpired", r"token[ _]expired", r"Invalid token", r"invalid_token"),
        facts=(r"token expired at (?P<expired_at>[0-9/: ]+)",),
    ),
    CatalogEntry(
        code="xero.authentication_failed",
        category=Category.AUTH_EXPIRED,
        title="Xero did not accept the access token",
        meaning=(
            "Xero answered 401 AuthenticationUnsuccessful: the token is unknown to Xero, for "
            "example because the grant was revoked. A refresh is tried once."
        ),
        fix=(
            "Nothing to do for a single occurrence: the token is refreshed and the record retried.",
            "If the connection now shows Needs reconnect, the grant was revoked in Xero: "
            + _RECONNECT,
        ),
        action=Action.RECONNECT,
        retryable=True,
        max_retries=1,
        http_statuses=(401,),
        patterns=(r"AuthenticationUnsuccessful",),
    ),
    CatalogEntry(
        code="xero.unauthorized",
        category=Category.AUTH_EXPIRED,
        title="Xero refused the call (401)",
        meaning="Xero answered 401 without saying why; the token is refreshed once.",
        fix=(
            "Nothing to do for a single occurrence: the token is refreshed and the record retried.",
            "If it repeats: " + _RECONNECT,
        ),
        action=Action.RECONNECT,
        retryable=True,
        max_retries=1,
        http_statuses=(401,),
    ),
    CatalogEntry(
        code="xero.scope_missing",
        category=Category.PERMISSION,
        title="The Xero grant lacks a permission",
        meaning=(
            "Xero answered 401 AuthorizationUnsuccessful: the connection was granted without a "
            "scope this call needs (accounting.transactions, accounting.contacts, "
            "accounting.settings)."
        ),
        fix=(
            "Check the OAuth scopes shown on the connection against the ones the sync needs.",
            _RECONNECT,
            "On Xero's consent page, allow every permission listed.",
        ),
        action=Action.RECONNECT,
        http_statuses=(401, 403),
        patterns=(r"AuthorizationUnsuccessful", r"insufficient_scope"),
    ),
    CatalogEntry(
        code="xero.connection_removed",
        category=Category.AUTH_REVOKED,
        title="The Xero organisation is disconnected",
        meaning=(
            "Xero refused the organisation (403 Forbidden): the app was disconnected from this "
            "organisation in Xero (Settings, Connected apps), or the organisation was removed "
            "from the grant. No sync can run until it is connected again."
        ),
        fix=(
            "Ask the customer whether someone disconnected the app in Xero "
            "(Xero: Settings, Connected apps).",
            _RECONNECT,
            "On Xero's consent page, tick this organisation again.",
        ),
        action=Action.RECONNECT,
        http_statuses=(403,),
        patterns=(r"AuthenticationUnsuccessful", r"Forbidden", r"tenant", r"connection"),
    ),
    CatalogEntry(
        code="xero.refresh_rejected",
        category=Category.AUTH_REVOKED,
        title="Xero refused the refresh token",
        meaning=(
            "Xero's identity server answered invalid_grant: the refresh token was revoked, "
            "expired after 60 days unused, or was already replaced more than 30 minutes ago."
        ),
        fix=(
            "Check whether the app was revoked in the customer's Xero account "
            "(Settings, Connected apps).",
            _RECONNECT,
            "After reconnecting, retry the failed records.",
        ),
        action=Action.RECONNECT,
        provider_codes=("invalid_grant",),
    ),
    CatalogEntry(
        code="xero.client_rejected",
        category=Category.PERMISSION,
        title="Xero refused the app's credentials",
        meaning=(
            "Xero's identity server answered invalid_client or unauthorized_client: the client "
            "id or secret configured for Xero is wrong or was regenerated."
        ),
        fix=(
            "Compare SYNC_ADMIN_XERO_CLIENT_ID and SYNC_ADMIN_XERO_CLIENT_SECRET with the app "
            "in Xero's developer portal (My Apps).",
            "Update the configuration, restart the workers, then retry.",
        ),
        provider_codes=("invalid_client", "unauthorized_client"),
    ),
    CatalogEntry(
        code="xero.oauth_problem",
        category=Category.AUTH_EXPIRED,
        title="Xero reported an OAuth problem",
        meaning=(
            "Xero answered with a form-encoded OAuth error (oauth_problem=...), the shape its "
            "OAuth errors take outside JSON."
        ),
        fix=(
            "Nothing to do for a single occurrence: the token is refreshed and the record retried.",
            "If it repeats: " + _RECONNECT,
        ),
        action=Action.RECONNECT,
        retryable=True,
        max_retries=1,
        patterns=(r"oauth_problem=(?!rate)",),
        facts=(r"oauth_problem=(?P<oauth_problem>[^&|]+)",),
    ),
    # --- rate limits (seed 003: rate limit exceeded) -------------------------------
    CatalogEntry(
        code="xero.rate_limit_minute",
        category=Category.RATE_LIMITED,
        title="Xero's 60 calls a minute limit was reached",
        meaning=(
            "Xero allows 60 calls a minute per organisation. The sync waits for the time Xero "
            "gives in Retry-After and continues by itself."
        ),
        fix=("Nothing to do: the sync waits and retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        provider_codes=("rate:minute",),
    ),
    CatalogEntry(
        code="xero.rate_limit_day",
        category=Category.RATE_LIMITED,
        title="Xero's 5,000 calls a day limit was reached",
        meaning=(
            "Xero allows 5,000 calls in a rolling 24 hours per organisation. The remaining "
            "records wait until Xero allows calls again (Retry-After can be hours)."
        ),
        fix=(
            "Nothing to do: the sync resumes when Xero's daily allowance frees up.",
            "If it happens every day, look for a company resynced in full too often.",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=3,
        provider_codes=("rate:day",),
    ),
    CatalogEntry(
        code="xero.rate_limit_app",
        category=Category.RATE_LIMITED,
        title="The app-wide Xero limit was reached",
        meaning=(
            "Xero allows 10,000 calls a minute across all organisations of the app. Every "
            "Xero sync slows down until the minute passes."
        ),
        fix=("Nothing to do: the sync waits and retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        provider_codes=("rate:appminute", "rate:app"),
    ),
    CatalogEntry(
        code="xero.rate_limit_concurrent",
        category=Category.RATE_LIMITED,
        title="Too many Xero calls at once",
        meaning="Xero allows 5 calls in progress per organisation; one more was refused.",
        fix=("Nothing to do: the sync waits and retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        provider_codes=("rate:concurrent",),
    ),
    CatalogEntry(
        code="xero.rate_limited",
        category=Category.RATE_LIMITED,
        title="Xero rate limit exceeded",
        meaning="Too many calls to Xero in a short period. The sync waits and retries.",
        fix=(
            "Nothing to do: this resolves automatically.",
            "If records still show this error later, click Retry on them.",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        http_statuses=(429,),
    ),
    CatalogEntry(
        code="xero.rate_limit_legacy",
        category=Category.RATE_LIMITED,
        title="Xero rate limit exceeded",
        meaning="Xero's older form-encoded answer to too many calls (oauth_problem=rate limit exceeded).",
        fix=("Nothing to do: the sync waits and retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        patterns=(r"oauth_problem=rate[ +]limit",),
    ),
    # --- contacts (seed 004: contacts not syncing) ----------------------------------
    CatalogEntry(
        code="xero.duplicate_contact",
        category=Category.DUPLICATE,
        title="A Xero contact already has this name",
        meaning=(
            "Xero contact names must be unique among active contacts; Xero already has an "
            "active contact with this name (often the same customer, created by hand)."
        ),
        fix=(
            "Search Xero's contacts for the name (and the customer's email address).",
            "If it is the same customer, link the record by hand to that Xero contact.",
            "If it is a different customer, rename one of them (in the host product or in "
            "Xero), then click Retry.",
        ),
        action=Action.LINK_RECORD,
        patterns=(r"is already assigned to another contact",),
        facts=(r"contact name (?P<name>.+?) is already assigned",),
    ),
    CatalogEntry(
        code="xero.duplicate_contact_number",
        category=Category.DUPLICATE,
        title="A Xero contact already has this contact number",
        meaning="Xero contact numbers are unique; another contact already uses this one.",
        fix=(
            "Find the Xero contact with this number.",
            "Link the record to it if it is the same customer, otherwise change the number "
            "in the host product, then click Retry.",
        ),
        action=Action.LINK_RECORD,
        patterns=(r"contact number .* is already assigned",),
        facts=(r"contact number (?P<contact_number>\S+) is already assigned",),
    ),
    CatalogEntry(
        code="xero.contact_required",
        category=Category.VALIDATION,
        title="Contact details missing",
        meaning=(
            "Xero needs a contact name (or an existing contact) on every contact and document; "
            "the record has none."
        ),
        fix=(
            "Open the record in the host product and fill in the customer's name "
            "(and email address).",
            "Save; the next sync sends it again, or click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(
            r"must contain at least 1 of the following elements to identify the contact",
            r"Contact Name cannot be empty",
            r"A Contact must be specified",
            r"Paid to name cannot be empty",
        ),
    ),
    CatalogEntry(
        code="xero.email_invalid",
        category=Category.VALIDATION,
        title="Email address not accepted by Xero",
        meaning="Xero rejected the email address (not valid, or with characters Xero refuses).",
        fix=(
            "Correct the customer's email address in the host product.",
            "Save, then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(r"Email address must be valid",),
    ),
    CatalogEntry(
        code="xero.contact_limit",
        category=Category.BUSINESS_RULE,
        title="Xero contact limit reached",
        meaning=(
            "The Xero organisation's plan allows no more contacts (or contact groups); new "
            "contacts are refused."
        ),
        fix=(
            "Ask the customer to archive unused contacts in Xero or upgrade the Xero plan.",
            "Then click Retry on the failed contacts.",
        ),
        action=Action.RETRY,
        patterns=(r"reached the limit of \d+ contact", r"contact limit"),
        facts=(r"limit of (?P<limit>\d+) contact",),
    ),
    CatalogEntry(
        code="xero.archived_contact",
        category=Category.BUSINESS_RULE,
        title="The Xero contact is archived",
        meaning="The document points at a contact that was archived in Xero.",
        fix=(
            "Restore the contact in Xero (Contacts, Archived, Restore), or unlink the customer "
            "so the next sync creates a fresh contact.",
            "Then click Retry.",
        ),
        action=Action.UNLINK,
        unlink_entity="contact",
        patterns=(r"Archived contact",),
    ),
    # --- invoices (seed 004: invoice sync failures) ---------------------------------
    CatalogEntry(
        code="xero.invalid_account_code",
        category=Category.MISSING_MAPPING,
        title="Account code not valid in Xero",
        meaning=(
            "A line uses an account code that Xero does not know, that was archived or "
            "deleted, or that cannot be used on this type of document."
        ),
        fix=(
            "Open the company's account mappings and check the account mapped for this fee "
            "item against Xero's chart of accounts.",
            "Map it to an active revenue account (bank accounts for payments).",
            "Click Retry on the failed records.",
        ),
        action=Action.MAP_ACCOUNT,
        patterns=(
            r"Account code '.*' (is not a valid code|has been removed|has been archived)",
            r"Account must be valid",
            r"Account could not be found",
            r"Each line item must reference a valid account",
        ),
        facts=(r"Account code '+(?P<account_code>[^']+)'+",),
    ),
    CatalogEntry(
        code="xero.invalid_item_code",
        category=Category.MISSING_MAPPING,
        title="Item code not valid in Xero",
        meaning=(
            "A line uses an item code that the Xero organisation does not have (deleted or "
            "renamed in Xero, or mapped to an item of another organisation)."
        ),
        fix=(
            "Open the company's fee item mappings and compare them with Xero's items "
            "(Business, Products and services).",
            "Map the fee item to an existing Xero item.",
            "Click Retry on the failed records.",
        ),
        action=Action.MAP_FEE_ITEM,
        patterns=(r"Item code '.*' is not valid",),
        facts=(r"Item code '(?P<item_code>[^']+)'",),
    ),
    CatalogEntry(
        code="xero.tax_rate_mismatch",
        category=Category.MISSING_MAPPING,
        title="Tax rate does not fit in Xero",
        meaning=(
            "The tax type sent does not exist in the Xero organisation or cannot be used with "
            "this account or document type."
        ),
        fix=(
            "Open the company's tax rate mappings and compare them with Xero's tax rates "
            "(Settings, Tax rates).",
            "Map the host tax rate to a Xero tax rate allowed on sales.",
            "Click Retry on the failed records.",
        ),
        action=Action.MAP_TAX_RATE,
        patterns=(r"TaxType code", r"Tax rate must be valid", r"tax ?type .* cannot be used"),
        facts=(r"TaxType code '?(?P<tax_type>[A-Z0-9_]+)'?",),
    ),
    CatalogEntry(
        code="xero.currency_not_enabled",
        category=Category.BUSINESS_RULE,
        title="Currency not enabled in Xero",
        meaning=(
            "The document's currency is not one of the Xero organisation's currencies; Xero "
            "refuses documents in currencies that were not added."
        ),
        fix=(
            "Ask the customer to add the currency in Xero (Settings, Currencies, Add Currency; "
            "needs a plan with multi-currency).",
            "Click Retry on the failed records.",
        ),
        action=Action.RETRY,
        patterns=(r"not subscribed to currency", r"currency .*(is not|not) (enabled|supported)"),
        facts=(r"currency (?P<currency>[A-Z]{3})",),
    ),
    CatalogEntry(
        code="xero.duplicate_invoice_number",
        category=Category.DUPLICATE,
        title="Invoice number already used in Xero",
        meaning="Xero already has a sales invoice with this number.",
        fix=(
            "Find the invoice with this number in Xero.",
            "If it is the same invoice, link the record by hand; otherwise change the number "
            "in the host product, then click Retry.",
        ),
        action=Action.LINK_RECORD,
        patterns=(r"Invoice # must be unique",),
    ),
    CatalogEntry(
        code="xero.duplicate_name",
        category=Category.DUPLICATE,
        title="Name or number already used in Xero",
        meaning="Another Xero record (account, item, order) already uses this name, code or number.",
        fix=(
            "Find the record with this name or code in Xero.",
            "Rename one of them, or link the record by hand, then click Retry.",
        ),
        action=Action.LINK_RECORD,
        patterns=(
            r"Please enter a unique Name",
            r"Order number must be unique",
            r"Item with Code '.*' already exists",
            r"must be unique",
        ),
        facts=(r"Code '+(?P<code>[^']+)'+",),
    ),
    CatalogEntry(
        code="xero.total_mismatch",
        category=Category.BUSINESS_RULE,
        title="Totals differ between the host product and Xero",
        meaning=(
            "Xero calculated a different total from the lines, usually because of tax "
            "(inclusive or exclusive amounts) or rounding."
        ),
        fix=(
            "Compare the line items and tax rates in both systems.",
            "Adjust the record in the host product (or the tax mapping) to match Xero's "
            "calculation, then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(
            r"total .*(does not|doesn't|must) (match|equal)",
            r"does not equal the sum",
            r"total debits .* must equal total credits",
        ),
    ),
    CatalogEntry(
        code="xero.invalid_status",
        category=Category.BUSINESS_RULE,
        title="The Xero document cannot be changed in its status",
        meaning=(
            "The invoice or credit note is paid, voided, or has payments in Xero, so Xero "
            "refuses the change."
        ),
        fix=(
            "Open the document in Xero and check its status and payments.",
            "Remove the payment in Xero if the change is really needed, or exclude the record.",
        ),
        action=Action.EXCLUDE,
        patterns=(
            # Not when Xero adds that a reconciled payment is the reason: already_reconciled.
            r"not of valid status for (modification|creation)(?![\s\S]*\breconciled\b)",
            r"can only be made against Authorised documents",
            r"Only AUTHORISED and BILLED",
        ),
    ),
    CatalogEntry(
        code="xero.lock_date",
        category=Category.BUSINESS_RULE,
        title="Date before Xero's lock date",
        meaning="The document's date falls before the lock date set in the Xero organisation.",
        fix=(
            "Ask the customer's accountant whether the lock date can move (Xero: Settings, "
            "Advanced, Financial settings), or date the record after it.",
            "Click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(r"lock date",),
        facts=(r"currently set at (?P<lock_date>[0-9A-Za-z-]+)",),
    ),
    CatalogEntry(
        code="xero.line_items_invalid",
        category=Category.VALIDATION,
        title="Document lines or required fields missing",
        meaning="Xero needs at least one line with a description, and a due date on invoices.",
        fix=(
            "Open the record in the host product and fill in the missing field named in the "
            "message.",
            "Save, then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(
            r"One or more line items must be specified",
            r"DueDate field must be specified",
            r"Description .*(must|cannot)",
            r"(SourceLineItemID|ContactID) and .* do not match",
        ),
    ),
    CatalogEntry(
        code="xero.field_too_long",
        category=Category.VALIDATION,
        title="A field is longer than Xero allows",
        meaning="A value is longer than Xero's maximum for that field (for example a contact name over 255 characters).",
        fix=(
            "Shorten the field named in the message in the host product.",
            "Save, then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(r"cannot (be longer|exceed)", r"exceeds? the maximum length", r"too long"),
        facts=(r"(?P<field>[A-Za-z.]+) (cannot|exceeds|is too long)",),
    ),
    # --- payments and reconciliation (seed 004: reconciliation errors) ------------
    CatalogEntry(
        code="xero.bank_account_not_mapped",
        category=Category.MISSING_MAPPING,
        title="Bank account not mapped",
        meaning=(
            "Payments and reconciliations need a Xero bank account (or an account with "
            "payments enabled); none is mapped, or the mapped one cannot take payments."
        ),
        fix=(
            "Open the company's account mappings and map the deposit (bank) account.",
            "Choose a Xero account of type Bank, or one with 'Enable payments to this account'.",
            "Click Retry on the failed records.",
        ),
        action=Action.MAP_ACCOUNT,
        patterns=(
            r"bank account (is )?not mapped",
            r"Account type is invalid for making a payment",
            r"payments? (cannot|can only) be made (to|from) (this|BANK)",
            r"not the mapped bank account",
        ),
        facts=(r"bank account '(?P<bank_account>[^']+)'",),
    ),
    CatalogEntry(
        code="xero.already_reconciled",
        category=Category.BUSINESS_RULE,
        title="Transaction already reconciled in Xero",
        meaning=(
            "The payment or document was reconciled in Xero (often by hand), so Xero refuses "
            "to change or reconcile it again."
        ),
        fix=(
            "Check in Xero whether the transaction was reconciled by hand "
            "(Accounting, Bank accounts, Reconcile).",
            "If that reconciliation is right, link or exclude this record; if not, "
            "unreconcile it in Xero, then click Retry.",
        ),
        action=Action.EXCLUDE,
        patterns=(
            r"already (been )?reconciled",
            r"has been reconciled",
            r"has a reconciled payment",
        ),
    ),
    CatalogEntry(
        code="xero.amount_mismatch",
        category=Category.BUSINESS_RULE,
        title="Amounts do not match",
        meaning=(
            "The amount differs between the host product and Xero: a payment larger than what "
            "is still due on the invoice, or a reconciliation whose amount differs from the "
            "Xero payment."
        ),
        fix=(
            "Compare the amounts in both systems (the invoice's amount due in Xero, the "
            "payment's amount).",
            "Correct the record in the host product, or remove the extra payment in Xero, "
            "then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        patterns=(
            r"amount exceeds the amount outstanding",
            r"amount( [0-9.,]+)? (does not|doesn't) match",
            r"amount mismatch",
            r"exceeds the remaining credit",
        ),
        facts=(r"(?P<amount>\d+\.\d{2}) (does not|doesn't) match",),
    ),
    # --- not found, permission ---------------------------------------------------------
    CatalogEntry(
        code="xero.record_not_found",
        category=Category.NOT_FOUND,
        title="Record not found in Xero",
        meaning=(
            "The linked Xero record no longer exists (deleted in Xero), or the id does not "
            "belong to this organisation."
        ),
        fix=(
            "Check in Xero whether the record was deleted.",
            "Unlink the record so the next sync creates a fresh copy, or re-create it in Xero "
            "and link it by hand.",
        ),
        action=Action.UNLINK,
        patterns=(
            r"could not be found",
            r"was not found",
            r"resource you're looking for cannot be found",
            r"cannot be found",
        ),
    ),
    CatalogEntry(
        code="xero.resource_not_found",
        category=Category.NOT_FOUND,
        title="Xero has no such resource",
        meaning="Xero answered 404: the record or address does not exist in this organisation.",
        fix=(
            "Check in Xero whether the record was deleted.",
            "Unlink the record so the next sync creates a fresh copy.",
        ),
        action=Action.UNLINK,
        http_statuses=(404,),
    ),
    CatalogEntry(
        code="xero.user_permission",
        category=Category.PERMISSION,
        title="The Xero user lacks permission",
        meaning=(
            "The Xero user who connected the app has no permission for this action in the "
            "organisation (for example a read-only or invoice-only role)."
        ),
        fix=(
            "Ask the customer to give the connecting Xero user the Adviser or Standard role.",
            "Or reconnect with a user who has it: " + _RECONNECT,
        ),
        action=Action.RECONNECT,
        patterns=(r"does not have the correct permissions", r"valid user should be identified"),
    ),
    # --- request errors ---------------------------------------------------------------
    CatalogEntry(
        code="xero.post_data_invalid",
        category=Category.VALIDATION,
        title="Xero could not read the request",
        meaning=(
            "Xero answered PostDataInvalidException: the request body did not match Xero's "
            "format. This is a defect of the integration, not of the record."
        ),
        fix=(
            "Send the support bundle of this error to support.",
            "Exclude the record until the integration is fixed.",
        ),
        action=Action.EXCLUDE,
        provider_codes=("PostDataInvalidException", "14"),
    ),
    CatalogEntry(
        code="xero.not_implemented",
        category=Category.VALIDATION,
        title="Xero does not offer this operation",
        meaning="Xero answered ApiMethodNotImplementedException (501).",
        fix=("Send the support bundle of this error to support.",),
        action=Action.EXCLUDE,
        provider_codes=("ApiMethodNotImplementedException", "20"),
    ),
    CatalogEntry(
        code="xero.validation",
        category=Category.VALIDATION,
        title="Xero rejected the record",
        meaning="Xero's validation refused the record; its message says which field.",
        fix=(
            "Read Xero's message on the error.",
            "Correct the record in the host product, save, then click Retry.",
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("ValidationException", "10"),
    ),
    CatalogEntry(
        code="xero.precondition_failed",
        category=Category.VALIDATION,
        title="Xero refused the connection settings",
        meaning="Xero answered 412 Precondition Failed (for example an old TLS version).",
        fix=("Send the support bundle of this error to support.",),
        http_statuses=(412,),
    ),
    # --- Xero having trouble (transient) ------------------------------------------------
    CatalogEntry(
        code="xero.organisation_offline",
        category=Category.TRANSIENT_SERVER,
        title="The Xero organisation is offline",
        meaning=(
            'Xero is moving this organisation ("The Organisation is offline"); it lasts '
            "from a minute to about an hour."
        ),
        fix=("Nothing to do: the sync retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        patterns=(r"Organisation is offline",),
    ),
    CatalogEntry(
        code="xero.maintenance",
        category=Category.TRANSIENT_SERVER,
        title="Xero is offline for maintenance",
        meaning="Xero's API is offline or temporarily unavailable.",
        fix=(
            "Nothing to do: the sync retries automatically.",
            "If it lasts, check Xero's status page (status.xero.com).",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        patterns=(r"offline for maintenance", r"temporarily unavailable"),
    ),
    CatalogEntry(
        code="xero.server_error",
        category=Category.TRANSIENT_SERVER,
        title="Xero had an internal error",
        meaning="Xero answered with a server error. It is usually temporary.",
        fix=(
            "Nothing to do: the record is retried automatically.",
            "If it keeps failing, check Xero's status page and send the support bundle to "
            "support with the error's time.",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=5,
        http_statuses=(500, 502, 503, 504),
    ),
    CatalogEntry(
        code="xero.html_error_page",
        category=Category.MALFORMED_RESPONSE,
        title="Xero answered with an error page",
        meaning="Xero returned an HTML error page instead of data, usually during an outage.",
        fix=("Nothing to do: the record is retried automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=5,
        body_kinds=("html",),
    ),
    CatalogEntry(
        code="xero.truncated_response",
        category=Category.MALFORMED_RESPONSE,
        title="Xero's answer was cut off",
        meaning="The answer from Xero ended early (a broken connection); nothing can be read from it.",
        fix=(
            "Nothing to do: the record is retried automatically; the idempotency key makes "
            "sure a retry never creates a duplicate.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=5,
        body_kinds=("truncated",),
    ),
    CatalogEntry(
        code="xero.empty_response",
        category=Category.MALFORMED_RESPONSE,
        title="Xero answered with an empty error",
        meaning="Xero answered an error status with no body.",
        fix=("Nothing to do: the record is retried automatically.",),
        action=Action.RETRY,
        retryable=True,
        max_retries=5,
        http_statuses=(400, 500, 502, 503, 504),
        body_kinds=("empty",),
    ),
]

CATALOG = Catalog("xero", ENTRIES)

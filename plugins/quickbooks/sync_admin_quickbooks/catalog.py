"""The QuickBooks Online error catalog: every error staff meet, what it means, how to fix it.

Sources: seed 002 (GrowthZone's common QBO sync errors), seed 003 (JobsiteOn's
generic sync errors) and Intuit's fault-code table (reference/provider_facts.md
section 4.1). Entries whose provider codes *and* message patterns are set win
over code-only entries, so "6140 + TxnType=Payment" is "Payment Ref# already
exists" while any other 6140 is the generic duplicate document number.

Entries marked "host check" are found before any call: core's preflight
(``sync_admin.engine.preflight``) words missing mappings and unsynced invoices as
seed 002 does, and ``claim()`` hands them to these entries by their patterns, so
staff see QuickBooks' own title, fix steps and facts (invoice number, fee item,
price, quantity, payment or credit reference).
"""

from __future__ import annotations

from sync_admin.providers import Catalog, CatalogEntry
from sync_admin.vocabulary import Action, Category

__all__ = ["CATALOG", "MALFORMED_STATUSES"]

# Statuses at which a malformed body (HTML, empty, truncated) is the provider's
# trouble rather than an auth or throttling answer, which have entries of their own.
MALFORMED_STATUSES = (200, 201, 400, 500, 502, 503, 504)

_RESYNC = "Click Retry on the error row (or Retry all failures) once the cause is fixed."

ENTRIES = [
    # --- authentication and authorisation -------------------------------------------
    CatalogEntry(
        code="qbo.token_expired",
        category=Category.AUTH_EXPIRED,
        title="Unauthorized - 401",
        meaning=(
            "QuickBooks refused the access token (it expired or was replaced). The sync "
            "refreshes the token once by itself and repeats the request; nothing is sent "
            "without a secure connection."
        ),
        fix=(
            "Retry the record: the token is refreshed automatically.",
            "If the error comes back, open Integrations and click Reconnect on the "
            "QuickBooks Online connection, then retry.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=1,
        provider_codes=("3200", "100", "110"),
        facts=(r"errorCode=0*(?P<qbo_error_code>\d+)",),
    ),
    CatalogEntry(
        code="qbo.unauthorized",
        category=Category.AUTH_EXPIRED,
        title="Unauthorized - 401",
        meaning="QuickBooks answered 401 without saying why; usually an expired access token.",
        fix=(
            "Retry the record: the token is refreshed automatically.",
            "If it fails again, Reconnect the QuickBooks Online connection on Integrations.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=1,
        http_statuses=(401,),
    ),
    CatalogEntry(
        code="qbo.refresh_token_invalid",
        category=Category.AUTH_REVOKED,
        title="QuickBooks connection must be reconnected",
        meaning=(
            "QuickBooks rejected the refresh token (invalid_grant): the app was disconnected "
            "in QuickBooks, the token expired after 100 days without use, or it was replaced "
            "more than 24 hours ago. Syncing stops until someone reconnects."
        ),
        fix=(
            "Open Integrations and click Reconnect on the QuickBooks Online connection.",
            "Sign in to QuickBooks as an admin of the company and approve access.",
            "Resync the companies of the connection (they are marked Needs Resync).",
        ),
        action=Action.RECONNECT,
        patterns=(r"invalid_grant",),
    ),
    CatalogEntry(
        code="qbo.client_invalid",
        category=Category.PERMISSION,
        title="QuickBooks app credentials are wrong",
        meaning=(
            "QuickBooks does not recognise the app's client id or secret (invalid_client). "
            "This is a configuration problem of this installation, not of the company."
        ),
        fix=(
            "Ask the administrator to check SYNC_ADMIN_QUICKBOOKS_CLIENT_ID and "
            "SYNC_ADMIN_QUICKBOOKS_CLIENT_SECRET against the Intuit developer portal.",
            "Restart the admin and workers, then Reconnect.",
        ),
        action=Action.RECONNECT,
        patterns=(r"invalid_client|unauthorized_client",),
    ),
    CatalogEntry(
        code="qbo.authorization_failed",
        category=Category.PERMISSION,
        title="QuickBooks refused access to this company",
        meaning=(
            "The token is valid but not allowed here (fault 3100/120): the scope is missing, "
            "the user who connected lost admin rights, or a sandbox token was used against "
            "production (130)."
        ),
        fix=(
            "Check that the QuickBooks user who connected is still an admin of the company.",
            "Reconnect the QuickBooks Online connection with that admin, approving the "
            "Accounting scope.",
        ),
        action=Action.RECONNECT,
        provider_codes=("3100", "120", "130"),
    ),
    CatalogEntry(
        code="qbo.company_unavailable",
        category=Category.BUSINESS_RULE,
        title="QuickBooks company is locked, closed or under maintenance",
        meaning=(
            "QuickBooks will not accept changes for this company: it is locked out (140), "
            "under maintenance (150), or its subscription ended or has a billing problem (6190)."
        ),
        fix=(
            "Ask the customer to sign in to QuickBooks Online and resolve the subscription "
            "or lock message shown there.",
            _RESYNC,
        ),
        action=Action.RETRY,
        provider_codes=("140", "150", "6190"),
    ),
    CatalogEntry(
        code="qbo.feature_not_entitled",
        category=Category.PERMISSION,
        title="QuickBooks plan does not include this feature",
        meaning=(
            "The company's QuickBooks subscription does not allow this operation "
            "(5020 permission, 5030 feature not supported)."
        ),
        fix=(
            "Ask the customer to upgrade their QuickBooks plan or to turn the feature on.",
            "Or exclude the record from the sync.",
        ),
        action=Action.EXCLUDE,
        provider_codes=("5020", "5030"),
    ),
    # --- throttling and server trouble ---------------------------------------------------
    CatalogEntry(
        code="qbo.rate_limited",
        category=Category.RATE_LIMITED,
        title="Rate limit exceeded",
        meaning=(
            "Too many calls in a short period: QuickBooks allows 500 requests a minute and 10 at "
            "once per company, and 40 batch requests a minute. The sync waits and retries."
        ),
        fix=(
            "Nothing to do: the sync slows down and retries automatically.",
            "If it keeps happening, wait 15 minutes and click Resync.",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        provider_codes=("3001",),
    ),
    CatalogEntry(
        code="qbo.too_many_requests",
        category=Category.RATE_LIMITED,
        title="Rate limit exceeded",
        meaning="QuickBooks answered 429 Too Many Requests. The sync waits and retries.",
        fix=("Nothing to do: the sync slows down and retries automatically.",),
        action=Action.WAIT,
        retryable=True,
        max_retries=10,
        http_statuses=(429,),
    ),
    CatalogEntry(
        code="qbo.html_response",
        category=Category.MALFORMED_RESPONSE,
        title="'<' is an invalid start of a value",
        meaning=(
            "QuickBooks answered with a web page instead of data (a load balancer error or "
            "a maintenance page). It is rare and happens when QuickBooks is very busy."
        ),
        fix=(
            "Nothing to do at first: the record is retried automatically.",
            "If it still fails, click Retry on the error row.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=5,
        patterns=(r"'<' is an invalid start of a value",),
        body_kinds=("html",),
        http_statuses=MALFORMED_STATUSES,
    ),
    CatalogEntry(
        code="qbo.empty_response",
        category=Category.MALFORMED_RESPONSE,
        title="The input does not contain any JSON tokens",
        meaning=(
            "QuickBooks answered with an empty body. The sync tries to send the data a total "
            "of 10 times before it reports the error."
        ),
        fix=(
            "Nothing to do: the record is retried automatically up to 10 times.",
            "If all attempts fail, click Retry on the error row.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=10,
        patterns=(r"does not contain any JSON tokens",),
        body_kinds=("empty",),
        http_statuses=MALFORMED_STATUSES,
    ),
    CatalogEntry(
        code="qbo.truncated_response",
        category=Category.MALFORMED_RESPONSE,
        title="QuickBooks answer was cut off",
        meaning="The answer ended in the middle (a dropped connection). The sync retries.",
        fix=(
            "Nothing to do: the record is retried automatically.",
            "If it still fails, click Retry on the error row.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=5,
        body_kinds=("truncated",),
        http_statuses=MALFORMED_STATUSES,
    ),
    CatalogEntry(
        code="qbo.plain_text_response",
        category=Category.MALFORMED_RESPONSE,
        title="QuickBooks answered with plain text",
        meaning="QuickBooks answered with text instead of data, usually during an outage.",
        fix=(
            "Nothing to do: the record is retried automatically.",
            "If it still fails, click Retry on the error row.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=5,
        body_kinds=("text",),
        http_statuses=MALFORMED_STATUSES,
    ),
    CatalogEntry(
        code="qbo.system_failure",
        category=Category.TRANSIENT_SERVER,
        title="QuickBooks had an internal error",
        meaning=(
            "QuickBooks failed while processing the request (10000 System Failure, or an "
            "unexpected internal error). Intuit advises resubmitting once."
        ),
        fix=(
            "Nothing to do at first: the record is retried automatically.",
            "If it keeps failing, check status.developer.intuit.com, then click Retry.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=3,
        provider_codes=("10000", "1000"),
    ),
    CatalogEntry(
        code="qbo.server_error",
        category=Category.TRANSIENT_SERVER,
        title="QuickBooks is having trouble",
        meaning="QuickBooks answered with a server error (500, 502, 503 or 504).",
        fix=(
            "Nothing to do: the record is retried automatically.",
            "If it keeps failing, check status.developer.intuit.com, then click Retry.",
        ),
        action=Action.WAIT,
        retryable=True,
        max_retries=5,
        http_statuses=(500, 502, 503, 504),
    ),
    # --- duplicates ----------------------------------------------------------------------
    CatalogEntry(
        code="qbo.duplicate_name",
        category=Category.DUPLICATE,
        title="The name supplied already exists",
        meaning=(
            "QuickBooks could not match the contact to a customer because another customer, "
            "vendor or employee already has exactly this display name. QuickBooks does not "
            "allow two of them to share a name, and vendors cannot receive invoices."
        ),
        fix=(
            "Change the customer or vendor display name in QuickBooks, or",
            "change the contact's first name, last name or suffix here in the host product, or",
            "link the contact by hand to the right QuickBooks customer (Link record).",
            _RESYNC,
        ),
        action=Action.LINK_RECORD,
        provider_codes=("6240",),
        facts=(
            r"Another (?:\$\$)?(?P<conflict_kind>customer|vendor|employee|tax rate)(?:\$\$)?",
            r"DisplayName=(?P<name>[^;|\]]+?)(?:;|\||\]|$)",
        ),
    ),
    CatalogEntry(
        code="qbo.payment_ref_exists",
        category=Category.DUPLICATE,
        title="Payment Ref#: Already exists for Customer",
        meaning="QuickBooks already has a payment with this reference number for the customer.",
        fix=(
            "Open the customer in QuickBooks and look for the payment: it most likely "
            "synced already.",
            "If it is there, Exclude this error so future resyncs skip it (or Link the "
            "record to that payment).",
            "If it is not, change the payment reference in the host product and retry.",
        ),
        action=Action.EXCLUDE,
        provider_codes=("6140",),
        patterns=(r"TxnType=Payment|Payment Ref#",),
        facts=(
            r"DocNumber=(?P<payment_ref>[^ ;]+)",
            r"Payment Ref#:?\s*(?P<payment_ref>[^ ;]+)",
            r"TxnId=(?P<txn_id>\d+)",
        ),
    ),
    CatalogEntry(
        code="qbo.invoice_exists",
        category=Category.DUPLICATE,
        title="Invoice: Already exists for Customer",
        meaning=(
            "QuickBooks already has an invoice with this number. QuickBooks does not allow "
            "two invoices with the same number."
        ),
        fix=(
            "If it is the same invoice (already synced), Link the record to it or Exclude "
            "the error.",
            "If it belongs to another customer, change the invoice numbering in the host "
            "product so new numbers do not clash, then void or write off this invoice and "
            "recreate it with a new number.",
        ),
        action=Action.LINK_RECORD,
        provider_codes=("6140",),
        patterns=(r"TxnType=Invoice|Invoice:? Already exists",),
        facts=(
            r"DocNumber=(?P<invoice_number>[^ ;]+)",
            r"TxnId=(?P<txn_id>\d+)",
        ),
    ),
    CatalogEntry(
        code="qbo.duplicate_doc_number",
        category=Category.DUPLICATE,
        title="Duplicate document number",
        meaning="QuickBooks already has a transaction with this document number.",
        fix=(
            "Find the transaction with this number in QuickBooks.",
            "If it is this record, Link the record to it; otherwise change the number in the "
            "host product and retry.",
        ),
        action=Action.LINK_RECORD,
        provider_codes=("6140", "600", "630"),
        facts=(
            r"DocNumber=(?P<doc_number>[^ ;]+)",
            r"TxnType=(?P<txn_type>\w+)",
            r"TxnId=(?P<txn_id>\d+)",
        ),
    ),
    # --- payments, credits, invoices --------------------------------------------------
    CatalogEntry(
        code="qbo.payment_other_customer",
        category=Category.BUSINESS_RULE,
        title="The payment you are trying to apply to the invoice either does not exist "
        "or it belongs to another customer",
        meaning=(
            "The invoice the payment applies to has the same number as an invoice of a "
            "different customer in QuickBooks, and QuickBooks does not support applying a "
            "payment to another customer's invoice."
        ),
        fix=(
            "Adjust the invoice numbering in the host product so future invoices do not "
            "conflict with existing QuickBooks invoice numbers.",
            "Void or write off the affected invoice and recreate it with a new number.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        patterns=(r"belongs to another customer",),
        facts=(r"Invoice (?:Id|#)\s*=?\s*(?P<invoice_number>[\w-]+)",),
    ),
    CatalogEntry(
        code="qbo.payment_invoice_not_synced",
        category=Category.NOT_FOUND,
        title="Payment Ref#: Could not find applied invoice Ref#",
        meaning=(
            "QuickBooks cannot find the invoice the payment is for: the invoice is not in "
            "QuickBooks, often because it was created before the integration was enabled "
            "(host check)."
        ),
        fix=(
            "Sync the invoice first: open it in the sync results and Retry it, or Link it "
            "to the matching QuickBooks invoice.",
            "Then retry the payment.",
        ),
        action=Action.LINK_RECORD,
        patterns=(r"Payment Ref#.*Could not find applied invoice",),
        facts=(
            r"Payment Ref#:?\s*(?P<payment_ref>[^ ]+)",
            r"applied invoice Ref#:?\s*(?P<invoice_number>[^ ]+)",
        ),
    ),
    CatalogEntry(
        code="qbo.credit_invoice_not_synced",
        category=Category.NOT_FOUND,
        title="Credit Ref#: Could not find applied invoice Ref#",
        meaning=(
            "QuickBooks cannot find the invoice the credit is for: the invoice is not in "
            "QuickBooks, often because it was created before the integration was enabled "
            "(host check)."
        ),
        fix=(
            "Sync the invoice first: open it in the sync results and Retry it, or Link it "
            "to the matching QuickBooks invoice.",
            "Then retry the credit.",
        ),
        action=Action.LINK_RECORD,
        patterns=(r"Credit Ref#.*Could not find applied invoice",),
        facts=(
            r"Credit Ref#:?\s*(?P<credit_ref>[^ ]+)",
            r"applied invoice Ref#:?\s*(?P<invoice_number>[^ ]+)",
        ),
    ),
    CatalogEntry(
        code="qbo.invoice_not_found",
        category=Category.NOT_FOUND,
        title="Invoice not found",
        meaning=(
            "A payment or credit was processed for an invoice that does not exist in "
            "QuickBooks (it was deleted there, or never synced)."
        ),
        fix=(
            "Check whether the invoice exists in QuickBooks.",
            "If it was deleted there, Unlink the invoice so the next sync creates it again, "
            "then retry the payment.",
        ),
        action=Action.UNLINK,
        unlink_entity="invoice",
        provider_codes=("2500", "610"),
        patterns=(r"Invoice element id \S+ not found|Invoice not found",),
        facts=(r"Invoice element id (?P<txn_id>\S+) not found",),
    ),
    CatalogEntry(
        code="qbo.write_off_no_income_account",
        category=Category.MISSING_MAPPING,
        title="Error Adding Write-off",
        meaning=(
            "There is no income account associated with the item Bad Debt: the income "
            "account of the items being written off is not mapped to QuickBooks' Bad Debt "
            "product/service."
        ),
        fix=(
            "Open the fee item's income account and check its mapping.",
            "Map that account to the QuickBooks Bad Debt product/service (Mappings, Bad debt).",
            "In QuickBooks, make sure the Bad Debt item has an income account.",
            _RESYNC,
        ),
        action=Action.MAP_BAD_DEBT,
        patterns=(r"no income account associated with the item",),
        facts=(r"associated with the item (?P<item>[^.|]+)",),
    ),
    CatalogEntry(
        code="qbo.bad_debt_not_mapped",
        category=Category.MISSING_MAPPING,
        title="No Bad Debt item mapped",
        meaning="A write-off needs the QuickBooks Bad Debt item, and none is mapped (host check).",
        fix=(
            "Open Mappings, Bad debt, and choose the QuickBooks Bad Debt product/service.",
            _RESYNC,
        ),
        action=Action.MAP_BAD_DEBT,
        patterns=(r"No Bad Debt item mapped",),
    ),
    CatalogEntry(
        code="qbo.fee_item_not_mapped",
        category=Category.MISSING_MAPPING,
        title="No fee item mapped for line item",
        meaning=(
            "A fee item on the transaction is not mapped to a QuickBooks product/service "
            "(host check)."
        ),
        fix=(
            "Use the invoice number, price and quantity in the message to find the line.",
            "Open Mappings, Fee items, and map that fee item to a QuickBooks product/service. "
            "If the fee item is not listed it may be inactive: reactivate it first.",
            _RESYNC,
        ),
        action=Action.MAP_FEE_ITEM,
        patterns=(r"No fee item mapped for line item",),
        facts=(
            r"Invoice #?(?P<invoice_number>[^ ,]+)",
            r"fee item '(?P<fee_item>[^']+)'",
            r"price (?P<amount>-?[\d.]+)",
            r"quantity (?P<quantity>-?[\d.]+)",
        ),
    ),
    CatalogEntry(
        code="qbo.account_not_mapped",
        category=Category.MISSING_MAPPING,
        title="No account mapped",
        meaning="The record needs a QuickBooks account (deposit or income) that is not mapped "
        "(host check).",
        fix=("Open Mappings, Accounts, and map the account named in the message.", _RESYNC),
        action=Action.MAP_ACCOUNT,
        patterns=(r"No account mapped",),
        facts=(r"account '(?P<account>[^']+)'",),
    ),
    CatalogEntry(
        code="qbo.tax_code_not_mapped",
        category=Category.MISSING_MAPPING,
        title="No tax code mapped",
        meaning="A line uses a tax rate of the host product that is not mapped to a QuickBooks "
        "tax code (host check).",
        fix=("Open Mappings, Tax rates, and map the tax rate named in the message.", _RESYNC),
        action=Action.MAP_TAX_RATE,
        patterns=(r"No tax rate mapped",),
        facts=(r"tax rate '(?P<tax_rate>[^']+)'",),
    ),
    CatalogEntry(
        code="qbo.invalid_item_reference",
        category=Category.MISSING_MAPPING,
        title="Product/service not found in QuickBooks",
        meaning=(
            "A line refers to a QuickBooks product/service that does not exist or was made "
            "inactive: the fee item mapping points at an item QuickBooks no longer has."
        ),
        fix=(
            "Open Mappings, Fee items, and map the fee item to an active QuickBooks "
            "product/service (or reactivate the item in QuickBooks).",
            _RESYNC,
        ),
        action=Action.MAP_FEE_ITEM,
        provider_codes=("2500", "610"),
        patterns=(r"ItemRef|Item element id",),
        facts=(r"Item element id (?P<item_id>\S+)",),
    ),
    CatalogEntry(
        code="qbo.invalid_reference",
        category=Category.NOT_FOUND,
        title="Record not found",
        meaning=(
            "QuickBooks cannot find a record this one refers to: it was deleted or made "
            "inactive in QuickBooks (610 Object Not Found, 2500 Invalid Reference Id)."
        ),
        fix=(
            "Re-create or reactivate the record in QuickBooks, or",
            "Unlink the host record so the next sync creates a fresh copy.",
            _RESYNC,
        ),
        action=Action.UNLINK,
        provider_codes=("610", "2500", "620", "700"),
        facts=(r"(?P<entity>[A-Za-z]+) element id (?P<txn_id>\S+) not found",),
    ),
    CatalogEntry(
        code="qbo.stale_object",
        category=Category.STALE_OBJECT,
        title="Record changed in QuickBooks meanwhile",
        meaning=(
            "Someone changed the record in QuickBooks after the sync read it (5010 Stale "
            "Object Error: the SyncToken is out of date), so QuickBooks did not save the update."
        ),
        fix=(
            "Retry: the sync reads the current version and applies the change again.",
            "If the QuickBooks change should win, Exclude the error instead.",
        ),
        action=Action.RETRY,
        retryable=True,
        max_retries=2,
        provider_codes=("5010",),
    ),
    CatalogEntry(
        code="qbo.deposited_transaction",
        category=Category.BUSINESS_RULE,
        title="Transaction already deposited in QuickBooks",
        meaning=(
            "The payment is on a bank deposit in QuickBooks (6540), so it cannot be changed "
            "or deleted."
        ),
        fix=(
            "In QuickBooks, edit the deposit and remove the payment from it, then retry; or",
            "Exclude the error if the QuickBooks version is right.",
        ),
        action=Action.EXCLUDE,
        provider_codes=("6540",),
    ),
    CatalogEntry(
        code="qbo.period_closed",
        category=Category.BUSINESS_RULE,
        title="Accounting period closed",
        meaning=(
            "The transaction date falls before the closing date set in QuickBooks (6210), so "
            "the books cannot be changed."
        ),
        fix=(
            "Ask the customer's accountant to move the closing date in QuickBooks "
            "(Account and Settings, Advanced), or change the transaction date.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("6210",),
    ),
    CatalogEntry(
        code="qbo.total_mismatch",
        category=Category.VALIDATION,
        title="Total mismatch",
        meaning=(
            "Calculated totals differ between the systems (6070: a line amount is not unit "
            "price times quantity, usually tax or rounding)."
        ),
        fix=(
            "Compare the line items and tax rates in both systems.",
            "Adjust the record in the host product to match QuickBooks' calculation.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("6070",),
        facts=(r"Supplied value:\s*(?P<amount>-?[\d.]+)",),
    ),
    CatalogEntry(
        code="qbo.field_too_long",
        category=Category.VALIDATION,
        title="Field is too long for QuickBooks",
        meaning=(
            "A value is longer than QuickBooks accepts (2050), for example an invoice number "
            "over 21 characters."
        ),
        fix=(
            "Shorten the field named in the message in the host product.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("2050",),
        facts=(
            r"element=(?P<field>[\w.]+)",
            r"exceeds (?P<limit>\d+) chars",
            r"Max:(?P<limit>\d+)",
        ),
    ),
    CatalogEntry(
        code="qbo.required_field_missing",
        category=Category.VALIDATION,
        title="Field validation error: required field missing",
        meaning="A field QuickBooks requires is empty (2020 Required param missing, 6080 no name).",
        fix=(
            "Open the record in the host product and fill in the field named in the message.",
            "Save; the next sync attempt will succeed.",
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("2020", "6080", "6060", "6090"),
        facts=(r"Required parameter (?P<field>[\w.]+) is missing",),
    ),
    CatalogEntry(
        code="qbo.invalid_value",
        category=Category.VALIDATION,
        title="Field validation error",
        meaning=(
            "QuickBooks rejected a field value (invalid or unsupported property 2010, invalid "
            "id 2030, number format 2080, enumeration 2170, tax code 6100, account type 6010)."
        ),
        fix=(
            "Open the record in the host product and correct the field named in the message.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("2010", "2030", "2080", "2170", "6010", "6100", "5000", "1050"),
        facts=(r"element=(?P<field>[\w.]+)",),
    ),
    CatalogEntry(
        code="qbo.business_validation",
        category=Category.BUSINESS_RULE,
        title="QuickBooks business rule",
        meaning=(
            "QuickBooks refused the record for a business reason (6000), for example a "
            "transaction without an amount or a tax calculation error. The message says which."
        ),
        fix=(
            "Read the QuickBooks message and correct the record in the host product.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        provider_codes=("6000", "6110", "800", "900", "1010", "1020"),
    ),
    CatalogEntry(
        code="qbo.cdc_window_exceeded",
        category=Category.VALIDATION,
        title="Incremental sync cursor too old",
        meaning=(
            "QuickBooks keeps changes for 30 days only; the last incremental sync is older. "
            "The sync falls back to a full pull by itself."
        ),
        fix=("Nothing to do: the next run pulls everything.",),
        action=Action.RETRY,
        retryable=True,
        max_retries=1,
        patterns=(r"changedSince.*30 days",),
        facts=(r"(?P<stale_cursor>changedSince)",),
    ),
    CatalogEntry(
        code="qbo.invalid_query",
        category=Category.VALIDATION,
        title="QuickBooks rejected a query",
        meaning=(
            "A query the sync sent was refused (4000 parse error, 4001 invalid query, 10100 "
            "result too big). This is a defect of the integration, not of the record."
        ),
        fix=("Send the error body to support; retrying will not help.",),
        action=Action.EXCLUDE,
        provider_codes=("4000", "4001", "10100"),
    ),
    CatalogEntry(
        code="qbo.unsupported_operation",
        category=Category.VALIDATION,
        title="QuickBooks does not support this request",
        meaning=(
            "QuickBooks could not route the request (500 Unsupported Operation), or a batch "
            "was too large (1040); usually a wrong company id or a non-UTF-8 body."
        ),
        fix=(
            "Check the company is still linked to the right QuickBooks company.",
            "Send the error body to support if it persists.",
        ),
        action=Action.EXCLUDE,
        provider_codes=("500", "1040", "6020", "6030"),
    ),
    CatalogEntry(
        code="qbo.not_found",
        category=Category.NOT_FOUND,
        title="Record not found",
        meaning="QuickBooks answered 404: the record or the address does not exist.",
        fix=(
            "Unlink the host record so the next sync creates a fresh copy, or re-create it "
            "in QuickBooks.",
        ),
        action=Action.UNLINK,
        http_statuses=(404,),
    ),
    CatalogEntry(
        code="qbo.forbidden",
        category=Category.PERMISSION,
        title="QuickBooks refused access",
        meaning="QuickBooks answered 403 Forbidden without a fault code.",
        fix=("Reconnect the QuickBooks Online connection with an admin of the company.",),
        action=Action.RECONNECT,
        http_statuses=(403,),
    ),
    CatalogEntry(
        code="qbo.bad_request",
        category=Category.VALIDATION,
        title="QuickBooks rejected the request",
        meaning="QuickBooks answered 400 Bad Request without a known fault code.",
        fix=(
            "Read the QuickBooks message in the error body and correct the record.",
            _RESYNC,
        ),
        action=Action.EDIT_RECORD,
        http_statuses=(400,),
    ),
]

CATALOG = Catalog("quickbooks", ENTRIES)

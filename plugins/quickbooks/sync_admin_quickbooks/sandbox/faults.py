"""Fault answers in QuickBooks' own shapes (reference/provider_facts.md 3.1)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["QboFault", "fault_body", "gateway_body", "qbo_time", "throttle_xml"]

# QBO stamps answers with the company's local time; the sample sandbox company is in California.
PACIFIC = timezone(timedelta(hours=-7))


class QboFault(Exception):
    """A QBO validation/business fault: HTTP 400 (or ``status``) with a Fault body."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        *,
        element: str = "",
        status: int = 400,
        fault_type: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element
        self.status = status
        self.fault_type = fault_type

    def fault(self, *, in_list: bool = False) -> dict[str, Any]:
        """QBO leaves an empty ``element`` out of a request's fault, but sends ``""`` in the
        faults of batch items (as recorded)."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element or in_list:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}


def qbo_time(when: datetime, *, millis: bool = True) -> str:
    local = when.astimezone(PACIFIC)
    if millis:
        return local.isoformat(timespec="milliseconds")
    return local.isoformat(timespec="seconds")


def fault_body(fault: QboFault, when: datetime) -> str:
    return json.dumps({"Fault": fault.fault(), "time": qbo_time(when)})


def gateway_body(code: str, message: str, detail: str, fault_type: str, when: datetime) -> str:
    """The gateway's lower-case envelope of 401 (3200) and 403 (3100) answers."""
    return json.dumps(
        {
            "warnings": None,
            "intuitObject": None,
            "fault": {
                "error": [{"message": message, "detail": detail, "code": code, "element": None}],
                "type": fault_type,
            },
            "report": None,
            "queryResponse": None,
            "batchItemResponse": [],
            "attachableResponse": [],
            "syncErrorResponse": None,
            "requestId": None,
            "time": int(when.timestamp() * 1000),
            "status": None,
            "cdcresponse": [],
        }
    )


def throttle_xml(when: datetime) -> str:
    """QBO's throttling answer: XML even when JSON was asked for."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<IntuitResponse time="{qbo_time(when)}" xmlns="http://schema.intuit.com/finance/v3">\n'
        '  <Fault type="SERVICE">\n'
        '    <Error code="3001">\n'
        "      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n"
        "      <Detail>The request limit was reached.  Try again later</Detail>\n"
        "    </Error>\n"
        "  </Fault>\n"
        "</IntuitResponse>\n"
    )

"""Read side of the admin: filters, keyset pages and summaries.

Views and the JSON API both read through these functions, so a filter means
the same thing on a screen and in the API. Nothing here counts or groups the
whole log table: big tables are paged by keyset and counted up to a cap.
"""

from .paging import COUNT_CAP, PAGE_SIZES, Page, decode_cursor, encode_cursor, page_size

__all__ = ["COUNT_CAP", "PAGE_SIZES", "Page", "decode_cursor", "encode_cursor", "page_size"]

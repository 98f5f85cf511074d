"""A small membership-billing product that syncs through sync-admin: the demo host.

Organisations bill their members dues and event fees (fee items), take payments,
issue credits and write off bad debt, all in the product's own ``mb_*`` tables.
``MembershipHost`` is its host adapter; ``data`` fills it with members and
documents, including the ones that produce every error the product documents.
"""

from .host import MembershipHost
from .models import create_tables

__all__ = ["MembershipHost", "adapter", "create_tables"]


def adapter() -> MembershipHost:
    """The factory named by ``SYNC_ADMIN_HOST_ADAPTER=examples.membership:adapter``."""
    return MembershipHost()

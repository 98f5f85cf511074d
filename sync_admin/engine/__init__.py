"""The sync engine: what an RQ job does with a ``sync_run`` row.

``runner`` executes a run (phases in dependency order), ``policy`` decides what
a failed call means, ``preflight`` catches what needs no call, ``pacing`` keeps
requests under the provider's limits across workers, ``ledger`` keeps the
per-record results and idempotency keys, ``logbook`` writes the run's story in
batches with the summary counters.
"""

from .preflight import CORE
from .runner import execute, finish_run_timed_out

__all__ = ["CORE", "execute", "finish_run_timed_out"]

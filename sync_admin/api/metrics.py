"""The Prometheus scrape endpoint, behind the ``read`` permission.

Prometheus authenticates with an API key (``authorization: {credentials: sst_...}``
in its scrape config), so the numbers are never public by accident.
"""

from __future__ import annotations

from flask import Response
from flask_appbuilder.api import expose, protect
from prometheus_client import CONTENT_TYPE_LATEST

from .. import metrics
from .base import SyncReadApi, handle_errors

__all__ = ["MetricsApi"]


class MetricsApi(SyncReadApi):
    route_base = "/api/v1/sync"
    openapi_spec_tag = "Metrics"

    @expose("/metrics", methods=["GET"])
    @protect()
    @handle_errors
    def metrics(self) -> Response:
        """Prometheus metrics of the sync.
        ---
        get:
          summary: Prometheus text exposition (runs, errors, queue, rate limits, tokens)
          responses:
            200:
              description: metrics in the Prometheus text format
              content:
                text/plain:
                  schema: {type: string}
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        return Response(metrics.render(), mimetype=None, content_type=CONTENT_TYPE_LATEST)

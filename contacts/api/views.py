"""``POST /api/v1/contact-events/`` (signed by a contact source, no user) and
``GET /api/v1/queue-stats/`` (supervisors, planners, admins).

Contact events: the body is one event (an object) or a list of them. The request is
authenticated by HMAC before anything is read: ``X-Ccops-Source``, ``X-Ccops-Timestamp``
(unix seconds, within 5 minutes) and ``X-Ccops-Signature: sha256=<hex HMAC-SHA256(secret,
timestamp + "." + raw body)>``; otherwise 401 and nothing is written.

Answers:
- one event: 200 with its result, or 400 with the field errors;
- a list: 200 when every event was accepted (``applied``, ``dead_letter`` or
  ``duplicate``); 207 (Multi-Status) when some were invalid: they are reported by index
  with their field errors and the valid ones are kept; 400 when none was valid (the API's
  error shape, fields named ``<index>.<field>``).
"""

import json

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ccops.api.errors import error_response
from ccops.api.schema import ErrorSerializer
from ccops.choices import Role
from ccops.permissions import HasRole

from .. import selectors, services
from . import serializers as s

HEADERS = [
    OpenApiParameter("X-Ccops-Source", str, OpenApiParameter.HEADER, required=True),
    OpenApiParameter(
        "X-Ccops-Timestamp", str, OpenApiParameter.HEADER, required=True, description="Unix s."
    ),
    OpenApiParameter(
        "X-Ccops-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description='sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>',
    ),
]
UNAUTHORISED = "Unknown source, stale timestamp or wrong signature."


class ContactEventsView(APIView):
    """Contact events from a telephony / ACD / chat platform."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="contact_events_create",
        summary="Post contact events (one or a list)",
        parameters=HEADERS,
        request=s.ContactEventSerializer(many=True),
        responses={
            200: s.EventBatchResultSerializer,
            207: s.EventBatchResultSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="No valid event: field errors (by index in a list)."
            ),
            401: OpenApiResponse(ErrorSerializer, description=UNAUTHORISED),
        },
        auth=[],
    )
    def post(self, request):
        body = request.body
        source = services.source_authenticate(
            name=request.headers.get("X-Ccops-Source", ""),
            timestamp=request.headers.get("X-Ccops-Timestamp", ""),
            signature=request.headers.get("X-Ccops-Signature", ""),
            body=body,
        )
        if source is None:
            response = error_response(UNAUTHORISED, status.HTTP_401_UNAUTHORIZED)
            response["WWW-Authenticate"] = 'HMAC-SHA256 realm="contact-events"'
            return response
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return error_response("The body is not JSON.", status.HTTP_400_BAD_REQUEST)
        single = isinstance(data, dict)
        events = [data] if single else data
        if not isinstance(events, list) or not events:
            return error_response(
                "Send one event (an object) or a non-empty list of them.",
                status.HTTP_400_BAD_REQUEST,
            )
        if len(events) > services.MAX_EVENTS_PER_REQUEST:
            return error_response(
                f"At most {services.MAX_EVENTS_PER_REQUEST} events per request.",
                status.HTTP_400_BAD_REQUEST,
            )
        results: list[dict | None] = [None] * len(events)
        valid: list[tuple[int, dict]] = []
        for index, raw in enumerate(events):
            if not isinstance(raw, dict):
                errors = {"non_field_errors": ["An event is a JSON object."]}
                results[index] = {"index": index, "id": None, "status": "invalid", "errors": errors}
                continue
            serializer = s.ContactEventSerializer(data=raw)
            if serializer.is_valid():
                valid.append((index, {**serializer.validated_data, "payload": raw}))
            else:
                results[index] = {
                    "index": index,
                    "id": raw.get("id") if isinstance(raw.get("id"), str | int) else None,
                    "status": "invalid",
                    "errors": serializer.errors,
                }
        if single and not valid:
            return error_response(
                "The event is invalid.", status.HTTP_400_BAD_REQUEST, results[0]["errors"]
            )
        if not valid:  # nothing to keep: the API's error shape, fields named by index
            errors = {
                f"{r['index']}.{name}": [str(m) for m in messages]
                for r in results
                for name, messages in r["errors"].items()
            }
            return error_response("No valid event.", status.HTTP_400_BAD_REQUEST, errors)
        outcomes = services.events_ingest(source=source, events=[e for _, e in valid])
        for (index, _), outcome in zip(valid, outcomes, strict=True):
            results[index] = {"index": index, **outcome}
        invalid = len(events) - len(valid)
        duplicates = sum(1 for o in outcomes if o["status"] == "duplicate")
        body = {
            "accepted": len(valid) - duplicates,
            "duplicates": duplicates,
            "invalid": invalid,
            "results": results,
        }
        return Response(body, status=207 if invalid else 200)


class QueueStatsView(APIView):
    """A queue's figures for one day in the queue's time zone (its calendar's, see
    ``time_zone`` in the response), from contact events."""

    permission_classes = [HasRole.of(Role.SUPERVISOR, Role.PLANNER, Role.ADMIN)]

    @extend_schema(
        operation_id="queue_stats_retrieve",
        summary="Queue statistics of a day",
        parameters=[
            OpenApiParameter("date", str, description="YYYY-MM-DD", required=True),
            OpenApiParameter("queue", int, description="A work type's id.", required=True),
        ],
        responses={
            200: s.QueueStatsSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Bad query (fields named)."),
        },
    )
    def get(self, request):
        query = s.QueueStatsQuerySerializer(data=request.query_params)
        if not query.is_valid():
            return error_response("Bad query.", status.HTTP_400_BAD_REQUEST, query.errors)
        queue_id, day = query.validated_data["queue"], query.validated_data["date"]
        stats = selectors.queue_stats(queue_id=queue_id, day=day)
        if stats is None:
            return error_response(
                "Bad query.", status.HTTP_400_BAD_REQUEST, {"queue": [f"No work type {queue_id}."]}
            )
        return Response(stats)

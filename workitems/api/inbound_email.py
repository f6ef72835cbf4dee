"""``POST /api/v1/inbound-email/``: a mail provider (or a relay) posts each inbound message,
signed with the mailbox's webhook secret; it is taken in as the IMAP poller takes it in
(``mail_in.inbound_email_take``: a new case, or an event of the case its subject names).

The body is the raw RFC 822 message (``Content-Type: message/rfc822``), the mailbox named
by ``X-Ccops-Mailbox``; or JSON ``{"mailbox": <name>, "raw": <the message as text>}`` (the
header, when given, must name the same mailbox). Signed as contact events are
(``ccops.signing``): ``X-Ccops-Timestamp`` (unix seconds, within 5 minutes) and
``X-Ccops-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>``;
otherwise 401 and nothing is written.

Answers: 201 with the message's outcome; 200 with the earlier outcome when this Message-ID
was taken in before (nothing written: a provider's retry is harmless); 400 naming the
field for a body that is not a message or has no valid sender.
"""

import json
import time

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ccops.api.errors import error_response
from ccops.api.schema import ErrorSerializer

from ..mail_in import MessageRefused, inbound_email_take, mailbox_authenticate

UNAUTHORISED = "Unknown mailbox, stale timestamp or wrong signature."
RFC822 = "message/rfc822"
HEADERS = [
    OpenApiParameter(
        "X-Ccops-Mailbox",
        str,
        OpenApiParameter.HEADER,
        description='The mailbox\'s name (required with message/rfc822; else JSON "mailbox").',
    ),
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
Result = inline_serializer(
    "InboundEmailResult",
    {
        "id": serializers.IntegerField(),
        "message_id": serializers.CharField(),
        "outcome": serializers.CharField(),
        "item": serializers.IntegerField(),
        "duplicate": serializers.BooleanField(),
    },
)


def _unauthorised():
    response = error_response(UNAUTHORISED, status.HTTP_401_UNAUTHORIZED)
    response["WWW-Authenticate"] = 'HMAC-SHA256 realm="inbound-email"'
    return response


class InboundEmailView(APIView):
    """One inbound e-mail, signed by its mailbox's webhook secret (no user)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(
        operation_id="inbound_email_create",
        summary="Post one inbound e-mail (raw RFC 822, or JSON mailbox and raw)",
        parameters=HEADERS,
        request={
            RFC822: {"type": "string", "format": "binary"},
            "application/json": inline_serializer(
                "InboundEmailJson",
                {"mailbox": serializers.CharField(), "raw": serializers.CharField()},
            ),
        },
        responses={
            201: Result,
            200: Result,
            400: OpenApiResponse(ErrorSerializer, description="Not a message: the field."),
            401: OpenApiResponse(ErrorSerializer, description=UNAUTHORISED),
        },
        auth=[],
    )
    def post(self, request):
        body = request.body
        name = request.headers.get("X-Ccops-Mailbox", "")
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        data = None
        if content_type != RFC822:
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                data = None
            if isinstance(data, dict) and not name and isinstance(data.get("mailbox"), str):
                name = data["mailbox"]
        # Authenticated before anything is read further or written.
        mailbox = mailbox_authenticate(
            name=name,
            timestamp=request.headers.get("X-Ccops-Timestamp", ""),
            signature=request.headers.get("X-Ccops-Signature", ""),
            body=body,
            now=time.time(),
        )
        if mailbox is None:
            return _unauthorised()
        if content_type == RFC822:
            raw = body
        elif not isinstance(data, dict):
            return error_response(
                f"Send {RFC822}, or a JSON object with mailbox and raw.",
                status.HTTP_400_BAD_REQUEST,
                {"raw": ["Required."]},
            )
        elif data.get("mailbox", name) != name:
            return error_response(
                "The mailbox differs from X-Ccops-Mailbox.",
                status.HTTP_400_BAD_REQUEST,
                {"mailbox": ["Does not match the signed header."]},
            )
        elif not isinstance(data.get("raw"), str) or not data["raw"].strip():
            return error_response(
                "raw: the message as text is required.",
                status.HTTP_400_BAD_REQUEST,
                {"raw": ["Required: the RFC 822 message as a string."]},
            )
        else:
            raw = data["raw"].encode("utf-8", "surrogateescape")
        if not raw.strip():
            return error_response(
                "The message is empty.", status.HTTP_400_BAD_REQUEST, {"raw": ["Empty."]}
            )
        try:
            inbound = inbound_email_take(mailbox=mailbox, raw=raw)
        except MessageRefused as exc:
            return error_response(str(exc), status.HTTP_400_BAD_REQUEST, {"raw": [str(exc)]})
        answer = {
            "id": inbound.pk,
            "message_id": inbound.message_id,
            "outcome": inbound.outcome,
            "item": inbound.item_id,
            "duplicate": inbound.was_existing,
        }
        return Response(answer, status=200 if inbound.was_existing else 201)

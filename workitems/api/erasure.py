"""``POST /api/v1/customers/<id>/erase/``: an admin anonymises a customer (GDPR right to
erasure) through ``erasure.customer_erase``; the answer summarises what was erased.

Admins only: anyone else is refused (403) before the customer is looked up, so the answer
says nothing about which customers exist.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ccops.api.fields import BIGINT
from ccops.choices import Role
from ccops.permissions import HasRole

from ..erasure import customer_erase
from ..models import Customer, CustomerErasure
from .views import WorkflowErrorsMixin, _errors


class CustomerErasureSerializer(serializers.ModelSerializer):
    erased_by_name = serializers.CharField(source="erased_by", read_only=True, allow_null=True)

    class Meta:
        model = CustomerErasure
        fields = [
            "id",
            "customer",
            "erased_at",
            "erased_by",
            "erased_by_name",
            "reason",
            "items",
            "events",
        ]
        read_only_fields = fields


class CustomerEraseView(WorkflowErrorsMixin, APIView):
    """Anonymise one customer: personal fields and the free text of their items and events
    are replaced; statuses, times and counts are kept; the erasure is recorded."""

    permission_classes = [HasRole.of(Role.ADMIN)]

    @extend_schema(
        summary="Erase a customer's personal data",
        request=None,
        responses={200: CustomerErasureSerializer, **_errors(403, 404)},
    )
    def post(self, request, pk: int):
        # An id past the database's bigint is no customer (and no 500 from the driver).
        customer = get_object_or_404(Customer, pk=pk if pk <= BIGINT else 0)
        erasure = customer_erase(customer=customer, by=request.user)
        return Response(CustomerErasureSerializer(erasure).data)

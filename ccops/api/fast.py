"""Output serializers that build their fields once per class, not once per response.

A DRF ``ModelSerializer`` makes and binds every field on each instance (``get_fields``:
model introspection, ``deepcopy`` of the declared fields): for a 30-field item that is
most of the cost of serializing it, paid on every agent action. ``ReadPlanMixin`` keeps one
bound set of fields per serializer class and reuses it to write representations, with DRF's
own per-field logic (``get_attribute``, ``SkipField``, ``None`` handling), so the output is
the same (``tests/ccops/test_api_fast.py`` compares it with DRF's for every serializer
that uses the mixin). Writes (``data=``) and the OpenAPI schema still use DRF's fields.

Only for flat serializers: a nested serializer or a hyperlink field would carry the first
instance's context (its request), so a class with one falls back to DRF's path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_lock = threading.Lock()


class ReadPlanMixin:
    """Mix into a (Model)Serializer used for output; see the module docstring."""

    _read_plan_cache: dict[type, tuple | None] = {}

    @classmethod
    def _read_plan(cls) -> tuple | None:
        plan = ReadPlanMixin._read_plan_cache.get(cls, False)
        if plan is not False:
            return plan
        with _lock:
            prototype = cls(context={})
            fields = list(prototype._readable_fields)
            contextual = (serializers.BaseSerializer, serializers.HyperlinkedRelatedField)
            if any(isinstance(f, contextual) for f in fields):
                plan = None
            else:
                plan = tuple(
                    (
                        f.field_name,
                        f,
                        getattr(f, "method_name", None)
                        if isinstance(f, serializers.SerializerMethodField)
                        else None,
                    )
                    for f in fields
                )
            ReadPlanMixin._read_plan_cache[cls] = plan
        return plan

    def to_representation(self, instance):
        plan = self._read_plan()
        if plan is None:
            return super().to_representation(instance)
        ret = OrderedDict()
        for name, field, method_name in plan:
            if method_name is not None:
                # The method of *this* serializer: it reads this request's context.
                ret[name] = getattr(self, method_name)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret

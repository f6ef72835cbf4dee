"""Output serializers that build their fields once per class, not once per response.

A DRF ``ModelSerializer`` makes and binds every field on each instance (``get_fields``:
model introspection, ``deepcopy`` of the declared fields): for a 30-field item that is
most of the cost of serializing it, paid on every agent action. ``ReadPlanMixin`` keeps one
bound set of fields per serializer class and reuses it to write representations, with DRF's
own per-field logic (``get_attribute``, ``SkipField``, ``None`` handling), so the output is
the same (``tests/workitems/test_api_fast.py`` and ``tests/quality/test_api_fast.py``
compare it with DRF's for every serializer that uses the mixin). Writes (``data=``) and
the OpenAPI schema still use DRF's fields.

Nested serializers are written by a serializer of their class made with this one's context
(so they use the mixin only if their class does); any other nested serializer, or a
hyperlink field, would carry the first instance's context (its request), so a class with
one falls back to DRF's path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.db.models.manager import BaseManager
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

_lock = threading.Lock()
PLAIN, METHOD, NESTED, NESTED_MANY = "plain", "method", "nested", "nested_many"


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
            plan = []
            for f in fields:
                if isinstance(f, serializers.SerializerMethodField):
                    plan.append((f.field_name, f, METHOD, f.method_name))
                elif isinstance(f, serializers.ListSerializer) and isinstance(
                    f.child, ReadPlanMixin
                ):
                    plan.append((f.field_name, f, NESTED_MANY, type(f.child)))
                elif isinstance(f, ReadPlanMixin):
                    plan.append((f.field_name, f, NESTED, type(f)))
                elif isinstance(
                    f, serializers.BaseSerializer | serializers.HyperlinkedRelatedField
                ):
                    plan = None  # needs its own context: DRF's path
                    break
                else:
                    plan.append((f.field_name, f, PLAIN, None))
            plan = tuple(plan) if plan is not None else None
            ReadPlanMixin._read_plan_cache[cls] = plan
        return plan

    def to_representation(self, instance):
        plan = self._read_plan()
        if plan is None:
            return super().to_representation(instance)
        ret = OrderedDict()
        for name, field, kind, extra in plan:
            if kind is METHOD:
                # The method of *this* serializer: it reads this request's context.
                ret[name] = getattr(self, extra)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            if check is None:
                ret[name] = None
            elif kind is PLAIN:
                ret[name] = field.to_representation(attribute)
            else:  # nested: a serializer of this request's context, on its class's plan
                child = extra(context=self.context)
                if kind is NESTED:
                    ret[name] = child.to_representation(attribute)
                else:
                    rows = attribute.all() if isinstance(attribute, BaseManager) else attribute
                    ret[name] = [child.to_representation(row) for row in rows]
        return ret

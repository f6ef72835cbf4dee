"""Role checks for views (mixins) and for the API (DRF permission classes)."""

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .choices import Role

STAFF_ROLES = (Role.SUPERVISOR, Role.PLANNER, Role.QA, Role.HR, Role.ADMIN)


class RoleRequiredMixin(AccessMixin):
    """Anonymous users go to the login page; logged-in users without a role get 403."""

    required_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_role(*self.required_roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(RoleRequiredMixin):
    required_roles = STAFF_ROLES


class HasRole(BasePermission):
    """DRF: the user holds one of ``roles``. Build with ``HasRole.of(Role.QA, ...)``."""

    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(
            f"HasRole_{'_'.join(r.replace(' ', '') for r in roles)}", (cls,), {"roles": roles}
        )

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


class CreatorOrAdminWrites(BasePermission):
    """DRF object check: anyone the view lets in may read; only the object's creator (its
    ``created_by``) or an admin may change or delete it."""

    message = "Only whoever created this, or an admin, may change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return obj.created_by_id == request.user.pk or request.user.has_role(Role.ADMIN)


class ReadAnyWriteRoles(HasRole):
    """Any authenticated user may read; writes need one of ``roles``."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.has_role(*self.roles)

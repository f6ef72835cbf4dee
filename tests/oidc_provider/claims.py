from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims, user):
    claims.update(
        name=user.get_full_name(),
        given_name=user.first_name,
        family_name=user.last_name,
        preferred_username=user.username,
        email=user.email,
        email_verified=True,
    )
    return claims


class RoleClaims(ScopeClaims):
    info_roles = (_("Roles"), _("Your roles in the company's applications."))

    def scope_roles(self):
        return {"roles": sorted(self.user.groups.values_list("name", flat=True))}

"""Start the test provider: ``python -m tests.oidc_provider.serve PORT SPEC_JSON``.

Creates its database (migrate), a signing key, the ccops client and the users of the spec,
then serves with ``runserver --noreload`` in this same process (one Django start-up, not
two). SPEC_JSON: {"client_id", "client_secret", "redirect_uris": [...],
"post_logout_redirect_uris": [...], "users": [{"username", "password", "email",
"first_name", "last_name", "groups": [...]}]}.
"""

import json
import os
import sys


def seed(spec: dict) -> None:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    client = Client(
        name="ccops",
        client_type="confidential",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        jwt_alg="RS256",
        require_consent=True,  # the browser test goes through the consent page
        reuse_consent=False,
    )
    client.redirect_uris = spec["redirect_uris"]
    client.post_logout_redirect_uris = spec["post_logout_redirect_uris"]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    for data in spec["users"]:
        data = dict(data)
        groups = data.pop("groups", [])
        user = User.objects.create_user(**data)
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])


def main(port: str, spec_json: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    import django
    from django.core.management import call_command

    django.setup()
    seed(json.loads(spec_json))
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])

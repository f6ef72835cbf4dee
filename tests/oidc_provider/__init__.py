"""A tiny, separate Django project running django-oidc-provider: a real OpenID Connect
provider for the single sign-on tests (started as a subprocess by ``fixtures.py``)."""

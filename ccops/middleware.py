"""Security headers Django 5.2 does not set by itself: a Content Security Policy,
Referrer-Policy, Permissions-Policy and Cross-Origin-Opener-Policy.

Everything comes from settings (``CSP``, ``CSP_REPORT_ONLY``, ``SECURITY_HEADERS``), so an
operator can tighten or relax a header without a code change. A header the view already set
is left alone: a view with a reason to differ sets its own.
"""

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CSP", "")
        if policy:
            name = (
                "Content-Security-Policy-Report-Only"
                if getattr(settings, "CSP_REPORT_ONLY", False)
                else "Content-Security-Policy"
            )
            response.headers.setdefault(name, policy)
        for name, value in getattr(settings, "SECURITY_HEADERS", {}).items():
            if value:
                response.headers.setdefault(name, value)
        return response

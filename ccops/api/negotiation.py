"""Content negotiation with a fast path for the API's usual request.

The API renders JSON only (the browsable API is DEBUG's). DRF's negotiation still parses
every ``Accept`` header into media types and ranks them, on every request (measured in
bench/RESULTS.md). When JSON is the one renderer and the client asks for it (or for
anything, or sends no ``Accept``), the answer is known; any other request takes DRF's own
path, which refuses what it cannot serve (406, or 404 for an unknown ``?format``)
as before.
"""

from rest_framework.negotiation import DefaultContentNegotiation

_JSON = frozenset(("*/*", "application/json"))  # (an empty header is DRF's 406)


class ContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1 and not format_suffix:
            renderer = renderers[0]
            if (
                renderer.media_type == "application/json"
                and request.META.get("HTTP_ACCEPT", "*/*") in _JSON
                and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            ):
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)

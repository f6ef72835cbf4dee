"""The user guide in the app: ``docs/guide/*.md`` rendered as pages (the same files the
repository shows), each role's page offered first from the menu."""

import re
from pathlib import Path

import markdown
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from .choices import Role

GUIDE_DIR = Path(settings.BASE_DIR) / "docs" / "guide"
PAGES = {
    "": "README.md",
    "agent": "agent.md",
    "supervisor": "supervisor.md",
    "planner": "planner.md",
    "qa": "qa.md",
    "hr": "hr.md",
    "admin": "admin.md",
}
PAGE_OF_ROLE = {
    Role.AGENT: "agent",
    Role.SUPERVISOR: "supervisor",
    Role.PLANNER: "planner",
    Role.QA: "qa",
    Role.HR: "hr",
    Role.ADMIN: "admin",
}


def render(text: str) -> str:
    """Markdown to HTML, with the guide's own links and pictures pointing into the app.
    The files are ours (the repository's), not user input."""
    html = markdown.markdown(text, extensions=["tables"])
    html = re.sub(r'src="img/([\w.-]+)"', lambda m: f'src="{static("guide/" + m[1])}"', html)
    html = re.sub(r'href="(\w+)\.md"', lambda m: f'href="{_url(m[1])}"', html)
    html = html.replace('href="README.md"', f'href="{_url("")}"')
    return html.replace("<img ", '<img class="img-fluid border rounded my-2" ')


def _url(page: str) -> str:
    from django.urls import reverse

    if page == "README" or page == "":
        return reverse("ccops:guide")
    return reverse("ccops:guide_page", args=[page])


class GuideView(LoginRequiredMixin, TemplateView):
    template_name = "ccops/guide.html"

    def get_context_data(self, page: str = "", **kwargs):
        context = super().get_context_data(**kwargs)
        if page not in PAGES:
            raise Http404("No such page in the guide.")
        text = (GUIDE_DIR / PAGES[page]).read_text(encoding="utf-8")
        context["guide_html"] = mark_safe(render(text))  # noqa: S308 - our own files
        context["own_page"] = PAGE_OF_ROLE.get(self.request.user.primary_role)
        context["pages"] = [p for p in PAGES if p]
        return context

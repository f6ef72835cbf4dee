"""Django's template backend, leaving no reference cycle behind a render.

A render's context holds its layers and each layer holds the context back
(``ContextDict.context``), so everything a page put in its context (a dashboard's tables,
over a thousand cells; a queue's rows and forms) stayed in memory, after the response was
sent, until Python's cyclic garbage collector walked it (see ``ccops.handlers``). Emptying
the context once the template has rendered breaks the cycle; reference counting then frees
it all at once.
"""

from django.template import TemplateDoesNotExist
from django.template.backends import django as django_backend
from django.template.context import make_context


class Template(django_backend.Template):
    def render(self, context=None, request=None):
        context = make_context(context, request, autoescape=self.backend.engine.autoescape)
        try:
            html = self.template.render(context)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self.backend)
        # Only after a render that succeeded: after a failure the debug page reads the context.
        context.dicts.clear()
        return html


class DjangoTemplates(django_backend.DjangoTemplates):
    def from_string(self, template_code):
        return Template(self.engine.from_string(template_code), self)

    def get_template(self, template_name):
        try:
            return Template(self.engine.get_template(template_name), self)
        except TemplateDoesNotExist as exc:
            django_backend.reraise(exc, self)

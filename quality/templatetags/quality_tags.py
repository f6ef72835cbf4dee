from django import template

register = template.Library()


@register.filter
def pct(value, places: int = 0):
    """0.8 -> "80%"; None -> "–"."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def num(value, places: int = 2):
    """A float with ``places`` decimals and a sign for deviations; None -> "–"."""
    if value is None or value == "":
        return "–"
    return f"{float(value):+.{int(places)}f}"


@register.filter
def fixed(value, places: int = 2):
    if value is None or value == "":
        return "–"
    return f"{float(value):.{int(places)}f}"

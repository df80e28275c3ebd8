"""Filters for message templates: plain-ASCII shortening so an SMS stays one part."""

from django import template

register = template.Library()


@register.filter
def clip(value, length: int) -> str:
    """Shorten to `length` characters with ".." (ASCII: a Unicode ellipsis would turn
    an SMS into UCS-2 and cut its length from 160 to 70 characters)."""
    text = " ".join(str(value).split())
    length = int(length)
    if len(text) <= length:
        return text
    return text[: max(length - 2, 1)].rstrip() + ".."

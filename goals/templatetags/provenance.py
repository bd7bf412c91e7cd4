"""`{{ paper|added:"adopted_year" }}`: the mark beside a value the paper does not print."""

from django import template
from django.utils.html import format_html

from goals.provenance import addition

register = template.Library()


@register.filter
def added(obj, field):
    note = addition(obj, field)
    if note is None:
        return ""
    return format_html(
        '<span class="added{}" title="{}">{}</span>',
        " estimated" if note.estimated else "",
        note.detail,
        note.label,
    )

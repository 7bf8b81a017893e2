"""Markdown → sanitized HTML, done once when content is saved.

python-markdown renders (fenced code, Pygments highlighting, tables, table of contents,
admonitions, sane lists, code walkthroughs from core/markdown_walkthrough.py); nh3 then removes
everything outside an allow-list, so script tags, event-handler attributes and ``javascript:``
URLs never reach a page, while Pygments' classes and heading anchors survive.
"""

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode
from pygments.formatters import HtmlFormatter

from core.markdown_walkthrough import WalkthroughExtension

HIGHLIGHT_CSS_CLASS = "highlight"

# The explanations inside a walkthrough's steps use the same Markdown, minus the table of
# contents (their headings are not part of the page's outline).
_TEXT_EXTENSIONS = ["fenced_code", "codehilite", "tables", "admonition", "sane_lists"]
_TEXT_EXTENSION_CONFIGS = {"codehilite": {"css_class": HIGHLIGHT_CSS_CLASS, "guess_lang": False}}
_EXTENSIONS = [
    "fenced_code", "codehilite", "tables", "toc", "admonition", "sane_lists",
    WalkthroughExtension(text_extensions=_TEXT_EXTENSIONS, text_extension_configs=_TEXT_EXTENSION_CONFIGS),
]  # fmt: skip
_EXTENSION_CONFIGS = {
    **_TEXT_EXTENSION_CONFIGS,
    "toc": {"permalink": False, "slugify": slugify_unicode},
}

_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
    "ol", "p", "pre", "q", "s", "section", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags, attributes and URL schemes."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML. Empty text gives an empty string."""
    if not text.strip():
        return ""
    html = markdown.markdown(text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
    return sanitize_html(html)


def pygments_stylesheet(style: str = "friendly") -> str:
    """The CSS for highlighted code, generated from Pygments (never written by hand)."""
    return HtmlFormatter(style=style).get_style_defs(f".{HIGHLIGHT_CSS_CLASS}")

"""Module bodies from Markdown to HTML that a browser can show as is.

Two layers, so a gap in one is caught by the other: markdown-it parses CommonMark and never
passes raw HTML through: every raw HTML block and inline tag is dropped from the parse (a
`<script>` block goes with its content; the text between `<a ...>` and `</a>` stays as text), and
it refuses `javascript:`, `vbscript:`, `file:` and `data:` link targets. Then nh3 (the Ammonia
sanitizer) keeps only the tags and attributes a lesson needs, only https and mailto URLs, and adds
`rel="noopener noreferrer"` to every link. The Markdown is what is stored; HTML never is. HTML
written inside code spans and fenced code blocks is code, and shows as such.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s", "code",
        "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
        "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = frozenset({"https", "mailto"})


def _url_allowed(url: str) -> bool:
    scheme, colon, _ = url.partition(":")
    # No scheme (a fragment or a relative path, where the colon comes after a slash) or a safe one.
    return not colon or "/" in scheme or "#" in scheme or "?" in scheme or scheme.lower() in URL_SCHEMES


def _strip_unsafe(state: StateCore) -> None:
    """Remove raw HTML from the parse (it is neither rendered nor shown as escaped markup), and
    links and images whose target is not https, mailto or relative (a link's text stays)."""
    state.tokens = [token for token in state.tokens if token.type != "html_block"]
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        kept = []
        unsafe_links = 0
        in_script = False
        for child in token.children:
            if child.type == "html_inline":
                tag = child.content.lstrip("<").lower()
                if tag.startswith(("script", "style")):
                    in_script = True  # its content goes too, up to the closing tag
                elif tag.startswith(("/script", "/style")):
                    in_script = False
                continue
            if in_script:
                continue
            if child.type == "link_open" and not _url_allowed(str(child.attrGet("href") or "")):
                unsafe_links += 1
                continue
            if child.type == "link_close" and unsafe_links:
                unsafe_links -= 1
                continue
            if child.type == "image" and not _url_allowed(str(child.attrGet("src") or "")):
                continue
            kept.append(child)
        token.children = kept


# Raw HTML is recognised (so that it can be dropped whole) but never rendered; every link target is
# let through the parser and judged by `_strip_unsafe`, then again by nh3.
_parser = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_parser.validateLink = lambda url: True  # type: ignore[method-assign]
_parser.core.ruler.push("strip_unsafe", _strip_unsafe)


def markdown_to_html(markdown: str) -> str:
    """Safe HTML of a module's Markdown body: no script, no event handler, no raw HTML, no link
    other than https or mailto, and every link with rel="noopener noreferrer"."""
    return _sanitize(_parser.render(markdown))


def _sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        # Their content goes too, not only the tags (nh3 keeps the text of a stripped tag).
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        # Tables align cells with `style="text-align: ..."`: nothing else survives.
        filter_style_properties={"text-align"},
        strip_comments=True,
    )


@lru_cache(maxsize=512)
def rendered(markdown: str) -> str:
    """`markdown_to_html`, remembered: published versions never change, so the same text is
    rendered once per process rather than on every request."""
    return markdown_to_html(markdown)

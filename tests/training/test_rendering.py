"""Module bodies render to HTML a browser can show as is: no script, no raw HTML, no dangerous link."""

from __future__ import annotations

from training.rendering import markdown_to_html


def test_markdown_renders_headings_lists_emphasis_and_tables() -> None:
    html = markdown_to_html("# Title\n\n- **one**\n- *two*\n\n| a | b |\n|:-|-:|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<li><strong>one</strong></li>" in html
    assert "<em>two</em>" in html
    assert '<td style="text-align:right">2</td>' in html


def test_script_blocks_are_stripped_with_their_content() -> None:
    html = markdown_to_html("Hello <script>alert('x')</script>\n\n<script>\nfetch('/steal')\n</script>\n")
    assert html == "<p>Hello </p>\n"
    assert "fetch" not in html and "<script" not in html.lower()


def test_raw_html_and_event_handlers_are_stripped() -> None:
    html = markdown_to_html(
        '<img src="x" onerror="alert(1)">\n\nSee <a href="javascript:alert(1)">this</a>\n'
    )
    assert html == "<p>See this</p>\n"


def test_javascript_and_data_links_keep_their_text_and_lose_the_link() -> None:
    for target in (
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)", "vbscript:x",
        "data:text/html,x",
    ):  # fmt: skip
        assert markdown_to_html(f"[click]({target})") == "<p>click</p>\n", target
    assert markdown_to_html("![pixel](data:image/png;base64,AAAA)") == "<p></p>\n"


def test_links_keep_https_and_mailto_and_open_safely() -> None:
    html = markdown_to_html("[docs](https://example.org/guide) and [mail](mailto:team@example.org)")
    assert '<a href="https://example.org/guide" rel="noopener noreferrer">docs</a>' in html
    assert '<a href="mailto:team@example.org" rel="noopener noreferrer">mail</a>' in html


def test_plain_http_links_are_dropped() -> None:
    assert "href" not in markdown_to_html("[old](http://example.org)")


def test_code_about_script_stays_readable_code() -> None:
    html = markdown_to_html("```html\n<script>alert(1)</script>\n```\n")
    assert "<pre><code" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

import pytest

from core.markdown import pygments_stylesheet, render_markdown
from tests.lessons.factories import LessonFactory

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<div onmouseover="alert(1)">hover</div>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<form action="https://evil.example"><input name="q"></form>',
    '<object data="x.swf"></object>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_dangerous_markup_never_survives(payload):
    html = render_markdown(f"Text before.\n\n{payload}\n\nText after.")

    lowered = html.lower()
    for forbidden in ("<script", "onerror", "onload", "onmouseover", "javascript:", "<iframe", "<style",
                      "data:text", "<form", "<input", "<object", "<svg"):
        assert forbidden not in lowered, f"{forbidden!r} survived in {html!r}"
    assert "Text after." in html


def test_code_blocks_keep_pygments_classes():
    html = render_markdown("```python\ndef f(x):\n    return x + 1\n```\n")

    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_tables_admonitions_and_heading_anchors_render():
    html = render_markdown("# Этапы проекта\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n!!! note \"Важно\"\n    Текст\n")

    assert '<h1 id="этапы-проекта">' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="admonition note"' in html


def test_safe_links_are_kept_with_rel():
    html = render_markdown("[docs](https://example.com/docs)")

    assert 'href="https://example.com/docs"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_empty_text_renders_to_empty_string():
    assert render_markdown("  \n") == ""


def test_stylesheet_is_generated_from_pygments():
    css = pygments_stylesheet()

    assert ".highlight .k" in css


@pytest.mark.django_db
def test_markdown_is_rendered_when_saved_and_on_partial_update():
    lesson = LessonFactory(body_md="**bold** <script>x()</script>")
    assert lesson.body_html == "<p><strong>bold</strong> </p>"

    lesson.body_md = "_new_"
    lesson.save(update_fields=["body_md"])
    lesson.refresh_from_db()

    assert lesson.body_html == "<p><em>new</em></p>"


def test_committed_pygments_stylesheet_is_the_generated_one():
    from pathlib import Path

    from django.conf import settings

    committed = (Path(settings.BASE_DIR) / "static" / "css" / "pygments.css").read_text(encoding="utf-8")

    assert committed.split("\n", 1)[1] == pygments_stylesheet() + "\n"

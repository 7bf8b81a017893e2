"""Code walkthroughs: the Markdown syntax (core/markdown_walkthrough.py), what survives
sanitizing, and a lesson of a test bundle that uses it."""

import html
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.markdown import render_markdown
from lessons.models import Lesson
from tests.courses.factories import EnrollmentFactory
from tests.lessons.bundles import WALKTHROUGH_BUNDLE

WALKTHROUGH = """\
Before.

::: walkthrough Average
Build it **step by step**.

::: step Start
```python
def mean(values):
    total = 0
```
Declare the function.

::: step Loop
Add the values:

```python
    for value in values:
        total += value
```

::: step Guard
```python replace
def mean(values):
    if not values:
        raise ValueError("empty")
    total = 0
    for value in values:
        total += value
```

::: step Return
```python
    return total / len(values)
```
:::

After.
"""


def _steps(rendered: str) -> list[str]:
    return re.findall(r'<li class="walkthrough-step">(.*?)</li>', rendered, re.DOTALL)


def _highlighted(step_html: str) -> list[str]:
    """The text of the highlighted (new or changed) lines of a step's code."""
    lines = re.findall(r'<span class="hll">(.*?)\n</span>', step_html, re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in lines]


def _code(step_html: str) -> str:
    code = re.search(r"<code>(.*?)</code>", step_html, re.DOTALL).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", code))


def test_a_walkthrough_is_a_section_with_an_ordered_list_of_steps():
    rendered = render_markdown(WALKTHROUGH)

    assert (
        rendered.index("<p>Before.</p>")
        < rendered.index('<section class="walkthrough">')
        < rendered.index("<p>After.</p>")
    )
    assert '<p class="walkthrough-title">Average</p>' in rendered
    assert "<strong>step by step</strong>" in rendered
    assert '<ol class="walkthrough-steps">' in rendered
    steps = _steps(rendered)
    assert len(steps) == 4
    assert '<p class="walkthrough-step-title">Start</p>' in steps[0]
    assert "Declare the function." in steps[0]


def test_each_step_shows_the_code_so_far_with_its_new_lines_highlighted():
    steps = _steps(render_markdown(WALKTHROUGH))

    assert _highlighted(steps[0]) == ["def mean(values):", "total = 0"]
    assert _highlighted(steps[1]) == ["for value in values:", "total += value"]
    assert _code(steps[1]).splitlines() == [
        "def mean(values):",
        "    total = 0",
        "    for value in values:",
        "        total += value",
    ]
    assert _code(steps[3]).rstrip().endswith("return total / len(values)")
    assert _highlighted(steps[3]) == ["return total / len(values)"]


def test_a_replace_step_highlights_only_the_lines_it_changed():
    steps = _steps(render_markdown(WALKTHROUGH))

    assert _highlighted(steps[2]) == ["if not values:", 'raise ValueError("empty")']
    assert _code(steps[2]).count("def mean") == 1


def test_explanations_keep_their_place_around_the_code():
    step = _steps(render_markdown(WALKTHROUGH))[1]

    assert step.index("Add the values:") < step.index('<div class="highlight">')


def test_code_is_highlighted_with_pygments_classes():
    step = _steps(render_markdown(WALKTHROUGH))[0]

    assert '<div class="walkthrough-code"><div class="highlight">' in step
    assert '<span class="k">def</span>' in step


@pytest.mark.parametrize(
    "payload",
    [
        "::: walkthrough <script>alert(1)</script>\n::: step x\n```python\nx = 1\n```\n:::\n",
        "::: walkthrough T\n::: step <img src=x onerror=alert(1)>\n```python\nx = 1\n```\n:::\n",
        "::: walkthrough T\n::: step S\n<script>alert(1)</script>\n\n[x](javascript:alert(1))\n:::\n",
        "::: walkthrough T\n::: step S\n```html\n<script>alert(1)</script>\n```\n:::\n",
        '::: walkthrough T\n::: step S\n<div onmouseover="alert(1)">x</div>\n:::\n',
    ],
)
def test_nothing_dangerous_survives_inside_a_walkthrough(payload):
    rendered = render_markdown(payload).lower()

    tags = re.findall(r"<[a-z][^>]*>", rendered)  # escaped text (&lt;img ...&gt;) is harmless
    assert not [tag for tag in tags if re.search(r"\son\w+=", tag) or "javascript:" in tag], rendered
    assert not [tag for tag in tags if tag.startswith(("<script", "<img"))], rendered
    assert '<section class="walkthrough">' in rendered


def test_the_syntax_inside_an_ordinary_code_block_is_left_alone():
    rendered = render_markdown(
        "````markdown\n::: walkthrough Example\n::: step One\n```python\nx = 1\n```\n:::\n````\n"
    )

    assert "walkthrough-step" not in rendered
    assert "::: walkthrough Example" in rendered


def test_an_unclosed_walkthrough_ends_with_the_document_and_never_raises():
    rendered = render_markdown("::: walkthrough Open\n::: step Only\n```python\nx = 1\n```\nText")

    assert len(_steps(rendered)) == 1
    assert "Text" in rendered


def test_a_step_without_code_keeps_the_code_unchanged():
    rendered = render_markdown(
        "::: walkthrough W\n::: step A\n```python\nx = 1\n```\n::: step B\nJust words.\n:::\n"
    )

    steps = _steps(rendered)
    assert "highlight" not in steps[1]
    assert "Just words." in steps[1]


def test_headings_inside_walkthroughs_stay_out_of_the_table_of_contents():
    lesson_html = render_markdown("## Real\n\n::: walkthrough W\n::: step A\n## Not a section\n:::\n")

    assert '<h2 id="real">' in lesson_html
    assert 'id="not-a-section"' not in lesson_html


@pytest.mark.django_db
def test_the_test_bundles_walkthrough_lesson_is_rendered_at_import(client, student):
    # given
    call_command("import_course", str(WALKTHROUGH_BUNDLE), verbosity=0)
    lesson = Lesson.objects.get(key="mean-step-by-step")
    EnrollmentFactory(user=student, course=lesson.module.course)
    client.force_login(student)

    # when
    response = client.get(reverse("lessons:lesson-detail", args=[lesson.pk]))

    # then
    assert lesson.body_html.count('<li class="walkthrough-step">') == 4
    content = response.content.decode()
    assert '<section class="walkthrough">' in content
    assert 'data-label-next="Next step"' in content  # labels for the step-by-step player
    assert [entry.text for entry in response.context["page"].toc] == ["Разбор", "Что дальше"]

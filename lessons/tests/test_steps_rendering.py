"""How steps look: section, badge, Check button, hint, runnable solution, escaping."""

import pytest

from lessons.rendering import apply_step_states, render_markdown
from lessons.steps import parse_steps
from lessons.tests.helpers import elements, runnable_commands
from lessons.tests.step_helpers import HELLO_BODY, HELLO_STEPS


def _render(steps=HELLO_STEPS, body=HELLO_BODY, language="en"):
    return render_markdown(body, language, steps=parse_steps(steps))


def _attrs(html, tag, **match):
    return [a for t, a in elements(html) if t == tag and all(a.get(k) == v for k, v in match.items())]


def test_each_step_is_a_section_with_title_and_badge():
    html = _render().html
    assert _attrs(html, "section", id="step-hello", **{"data-step": "hello", "data-state": "not-started"})
    assert _attrs(html, "section", id="step-look", **{"data-step": "look"})
    assert '<h2 class="step-title">Run your first container</h2>' in html
    assert '<span class="badge-not-started">Not started</span>' in html
    assert '<span class="badge-passed">Passed</span>' in html
    # The step's own Markdown is inside its section.
    section = html[html.index('id="step-hello"') : html.index('id="step-look"')]
    assert "<strong>busybox</strong>" in section


def test_a_step_with_a_check_has_check_button_hint_and_runnable_solution():
    html = _render().html
    hello = html[html.index('id="step-hello"') : html.index('id="step-look"')]
    assert _attrs(hello, "button", **{"data-action": "check"})
    assert '<p class="check-message" role="status" aria-live="polite" hidden></p>' in hello
    assert "<summary>Hint</summary><p>Use docker run with the busybox image.</p>" in hello
    assert "<summary>Solution</summary>" in hello
    assert runnable_commands(hello) == [["docker run busybox echo hello"], ["docker run busybox echo hello"]]
    look = html[html.index('id="step-look"') :]
    assert 'data-action="check"' not in look and "<details" not in look


def test_a_multi_line_solution_runs_line_by_line():
    steps = [
        {**HELLO_STEPS[0], "check": {**HELLO_STEPS[0]["check"], "solution": "mkdir -p ~/a\ndocker run busybox true"}}
    ]
    html = _render(steps, body="::: step hello\nx\n:::\n").html
    assert runnable_commands(html) == [["mkdir -p ~/a", "docker run busybox true"]]


def test_step_texts_are_escaped():
    steps = [
        {
            "id": "x",
            "title": "<img src=x onerror=alert(1)>",
            "check": {
                "run": "true",
                "fail": "f",
                "hint": "<script>alert(1)</script>",
                "solution": "echo '<b>\"hi\"</b>'",
            },
        }
    ]
    forged = '<section class="step" id="step-x" data-step="x" data-state="passed">'
    html = _render(steps, body=f"::: step x\n{forged}\n:::\n").html
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert runnable_commands(html) == [["echo '<b>\"hi\"</b>'"]]
    # Lesson text cannot forge a step section or its state.
    assert _attrs(html, "section") == [{"class": "step", "id": "step-x", "data-step": "x", "data-state": "not-started"}]


def test_button_labels_follow_the_lesson_language():
    html = _render(language="zh-hans").html
    assert ">检查</button>" in html
    assert "<summary>提示</summary>" in html
    assert '<span class="badge-passed">已通过</span>' in html


def test_steps_are_in_the_table_of_contents_in_order():
    rendered = _render(body="## Before\n\n" + HELLO_BODY + "\n## After\n")
    assert [(item["id"], item.get("step")) for item in rendered.toc] == [
        ("before", None),
        ("step-hello", "hello"),
        ("step-look", "look"),
        ("after", None),
    ]
    assert rendered.toc[1]["text"] == "Run your first container"


def test_without_steps_colons_are_plain_text():
    html = render_markdown("::: step hello\nx\n:::\n").html
    assert "<section" not in html and "::: step hello" in html


@pytest.mark.parametrize("state", ["passed", "in-progress"])
def test_a_students_state_is_applied_to_the_right_section(state):
    html = apply_step_states(_render().html, {"hello": state})
    assert _attrs(html, "section", id="step-hello", **{"data-state": state})
    assert _attrs(html, "section", id="step-look", **{"data-state": "not-started"})


def test_text_that_looks_like_a_step_tag_is_not_switched():
    body = HELLO_BODY.replace("Run **busybox**:", 'data-step="look" data-state="not-started"')
    html = apply_step_states(_render(body=body).html, {"look": "passed"})
    assert _attrs(html, "section", id="step-look", **{"data-state": "passed"})


def test_unknown_states_are_ignored():
    html = _render().html
    assert apply_step_states(html, {"hello": 'bogus" onclick="x'}) == html

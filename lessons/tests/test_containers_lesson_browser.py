"""The lesson on containers walked by a student in real Chromium: every Run button
of the lesson's text, in order (the solutions' are left alone), and each step turns
to passed. Its blocks open programs the Run button must type into (docker exec -it,
docker attach) and one that ends the container it attached to."""

import pytest

from sandbox.tests.browser import login, running_server, terminal_text, wait_until_ready

pytestmark = [pytest.mark.docker, pytest.mark.browser]
STUDENT, STUDENT_ID, PASSWORD = "h14-walker", 9740, "pw-walker-123"
LESSON_URL = "/lessons/containers/"
STEPS = ["ticker", "restart", "exec", "export-import", "clean-up"]

# The step each runnable block of the text belongs to ("" between steps); the solutions'
# blocks, inside .step-solution, are not the text.
BLOCKS = """() => [...document.querySelectorAll('.runnable')]
  .filter((block) => !block.closest('.step-solution'))
  .map((block) => { const step = block.closest('section.step'); return step ? step.dataset.step : ''; })"""
RUN_DONE = "() => document.getElementById('terminal-pane').dataset.running === 'false'"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory, {STUDENT: (PASSWORD, STUDENT_ID)}) as live:
        yield live


def test_a_student_runs_every_block_and_every_step_turns_green(browser, server):
    context, page = login(browser, server, STUDENT, PASSWORD, LESSON_URL)
    wait_until_ready(page)
    owners = page.evaluate(BLOCKS)
    assert [step for step in dict.fromkeys(owners) if step] == STEPS
    runnable = [
        block for block in page.locator(".runnable").all() if not block.evaluate("b => !!b.closest('.step-solution')")
    ]
    assert len(runnable) == len(owners)
    for index, (block, step) in enumerate(zip(runnable, owners, strict=True)):
        block.locator("[data-action=run]").click()
        page.wait_for_function(RUN_DONE, timeout=120_000)
        last_of_step = step and (index + 1 == len(owners) or owners[index + 1] != step)
        if last_of_step:
            page.wait_for_selector(f"section.step[data-step={step}][data-state=passed]", timeout=60_000)
    for step in STEPS:
        assert page.locator(f".toc-step[data-step={step}][data-state=passed]").count() == 1
    shown = terminal_text(page)
    assert "this shell is process 1" in shown  # typed into the attached main shell
    imported = shown[shown.rfind("box:snapshot cat /note.txt") :]
    assert "written with exec" in imported  # the image imported from the export holds the note
    assert "authorization denied" not in shown
    context.close()

"""A student walking a lesson in Chromium: every Run button of the lesson's text, in
order (the solutions' are left alone), waiting for each step to turn to passed."""

# The step each runnable block of the text belongs to ("" between steps); the solutions'
# blocks, inside .step-solution, are not the text.
BLOCKS = """() => [...document.querySelectorAll('.runnable')]
  .filter((block) => !block.closest('.step-solution'))
  .map((block) => { const step = block.closest('section.step'); return step ? step.dataset.step : ''; })"""
RUN_DONE = "() => document.getElementById('terminal-pane').dataset.running === 'false'"


def run_every_block(page, steps, run_timeout_ms, after_step=None):
    """Click each Run of the text; after a step's last block, wait for it to pass and
    call `after_step(step)`. The steps met must be `steps`, in order."""
    owners = page.evaluate(BLOCKS)
    assert [step for step in dict.fromkeys(owners) if step] == steps
    runnable = [
        block for block in page.locator(".runnable").all() if not block.evaluate("b => !!b.closest('.step-solution')")
    ]
    assert len(runnable) == len(owners)
    for index, (block, step) in enumerate(zip(runnable, owners, strict=True)):
        block.locator("[data-action=run]").click()
        page.wait_for_function(RUN_DONE, timeout=run_timeout_ms)
        last_of_step = step and (index + 1 == len(owners) or owners[index + 1] != step)
        if last_of_step:
            page.wait_for_selector(f"section.step[data-step={step}][data-state=passed]", timeout=60_000)
            if after_step is not None:
                after_step(step)
    for step in steps:
        assert page.locator(f".toc-step[data-step={step}][data-state=passed]").count() == 1

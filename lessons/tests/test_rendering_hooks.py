"""The optional hooks of render_markdown that the book importer uses."""

import re

from lessons.rendering import CodeBlock, render_markdown
from lessons.tests.helpers import elements, runnable_commands


def _rewrite(kind, url):
    if url.startswith("gone"):
        return None
    return f"/{kind}/{url}"


def test_it_rewrites_link_and_image_urls():
    html = render_markdown("[a](x.md#part) ![pic](i.png)", rewrite_url=_rewrite).html
    assert ("a", {"href": "/link/x.md#part", "rel": "noopener noreferrer"}) in elements(html)
    assert ("img", {"src": "/image/i.png", "alt": "pic"}) in elements(html)


def test_it_drops_a_link_but_keeps_its_text():
    html = render_markdown("see [the **other** page](gone.md) now", rewrite_url=_rewrite).html
    assert html.strip() == "<p>see the <strong>other</strong> page now</p>"


def test_it_drops_an_image_but_keeps_its_alt_text():
    html = render_markdown("![a <b> diagram](gone.png)", rewrite_url=_rewrite).html
    assert html.strip() == "<p>a &lt;b&gt; diagram</p>"


def test_without_hooks_urls_are_untouched():
    html = render_markdown("[a](x.md) ![p](i.png)").html
    assert '<a href="x.md"' in html and '<img src="i.png"' in html


def test_a_fence_hook_sets_commands_apart_from_the_code():
    def fence(info, code):
        if info == "session":
            return CodeBlock(code=code, language="console", runnable=True, run_commands=("ls",))
        return None

    html = render_markdown("```session\n$ ls\nfile\n```\n\n```console run\necho hi\n```\n", fence=fence).html
    assert runnable_commands(html) == [["ls"], ["echo hi"]]
    shown = re.sub(r"<[^>]+>", "", html)
    assert "$ ls\nfile" in shown  # the session is shown as written, prompt and output


def test_a_save_button_carries_its_own_commands_and_copy_still_copies_the_code():
    def fence(info, code):
        return CodeBlock(
            code=code, language="dockerfile", runnable=False, save_name="Dockerfile", save_commands=("write it",)
        )

    html = render_markdown("```dockerfile\nFROM busybox\n```\n", fence=fence).html
    tags = elements(html)
    assert ("span", {"class": "runnable save-as", "data-commands": '["write it"]'}) in tags
    buttons = [attrs for tag, attrs in tags if tag == "button"]
    assert buttons == [
        {"type": "button", "class": "run-btn save-btn", "data-action": "run"},
        {"type": "button", "class": "copy-btn", "data-action": "copy"},
    ]
    assert ">Save as Dockerfile</button>" in html
    outer = [attrs for tag, attrs in tags if tag == "div" and "code-block" in attrs.get("class", "")]
    assert outer == [{"class": "code-block"}]  # no data-commands: Copy takes the Dockerfile text

from lessons.rendering import render_markdown, split_commands
from lessons.tests.helpers import elements, runnable_commands


def _fence(info, code):
    return f"```{info}\n{code}\n```\n"


def test_it_renders_tables():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n").html
    assert "<table>" in html
    assert '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_it_highlights_fenced_code():
    html = render_markdown(_fence("python", "print('hi')")).html
    assert '<div class="highlight">' in html
    assert '<span class="nb">print</span>' in html


def test_it_gives_headings_ids_and_builds_the_toc():
    rendered = render_markdown("## Getting `started`\n\n### Details *here*\n\n#### Too deep\n")
    assert '<h2 id="getting-started">' in rendered.html
    assert '<h4 id="too-deep">' in rendered.html
    assert rendered.toc == [
        {"level": 2, "id": "getting-started", "text": "Getting started"},
        {"level": 3, "id": "details-here", "text": "Details here"},
    ]


def test_it_keeps_chinese_heading_ids():
    rendered = render_markdown("## 容器 与 虚拟机\n")
    assert rendered.toc == [{"level": 2, "id": "容器-与-虚拟机", "text": "容器 与 虚拟机"}]
    assert '<h2 id="容器-与-虚拟机">' in rendered.html


def test_it_makes_console_run_blocks_runnable():
    html = render_markdown(_fence("console run", "docker ps\ndocker images")).html
    assert runnable_commands(html) == [["docker ps", "docker images"]]
    buttons = [attrs for tag, attrs in elements(html) if tag == "button"]
    assert buttons == [
        {"type": "button", "class": "run-btn", "data-action": "run"},
        {"type": "button", "class": "copy-btn", "data-action": "copy"},
    ]
    assert ">Run</button>" in html and ">Copy</button>" in html


def test_it_accepts_bash_run_and_sh_run():
    html = render_markdown(_fence("bash run", "echo a") + _fence("sh run", "echo b")).html
    assert runnable_commands(html) == [["echo a"], ["echo b"]]


def test_it_round_trips_tricky_commands_exactly():
    commands = [
        """printf '<h1>"Tom" & Jerry</h1>\\n' > ~/site/index.html""",
        "echo '你好，容器' && echo \"it's\" </dev/null",
        "echo '&quot; is not decoded twice'",
    ]
    html = render_markdown(_fence("console run", "\n".join(commands))).html
    assert runnable_commands(html) == [commands]


def test_it_joins_backslash_continued_lines():
    code = "docker run \\\n  --rm busybox \\\n  echo hi\ndocker ps"
    html = render_markdown(_fence("console run", code)).html
    assert runnable_commands(html) == [["docker run \\\n  --rm busybox \\\n  echo hi", "docker ps"]]


def test_it_skips_blank_and_comment_lines_between_commands():
    assert split_commands("\n# list them\ndocker ps\n\n   docker images   \n") == ["docker ps", "docker images"]


def test_it_gives_plain_blocks_only_a_copy_button():
    html = render_markdown(_fence("console", "$ docker ps") + _fence("", "plain text")).html
    assert runnable_commands(html) == []
    assert 'data-action="run"' not in html
    assert html.count('data-action="copy"') == 2
    assert html.count('<div class="code-block">') == 2


def test_it_needs_a_shell_language_to_run():
    html = render_markdown(_fence("python run", "print(1)")).html
    assert runnable_commands(html) == []


def test_it_translates_button_labels_into_the_lesson_language():
    html = render_markdown(_fence("console run", "ls"), language="zh-hans").html
    assert ">运行</button>" in html
    assert ">复制</button>" in html


def _tags_and_attributes(html):
    return [(tag, name, value or "") for tag, attrs in elements(html) for name, value in attrs.items()]


def test_it_never_outputs_script_tags():
    html = render_markdown("<script>alert(1)</script>\n\nText <script>alert(2)</script>\n").html
    assert "script" not in [tag for tag, _attrs in elements(html)]
    assert "<script" not in html


def test_it_never_outputs_event_handler_attributes():
    source = '<img src="x" onerror="alert(1)">\n\n![pic](x.png "t\\" onerror=\\"alert(1)")\n'
    html = render_markdown(source).html
    assert not [a for a in _tags_and_attributes(html) if a[1].startswith("on")]


def test_it_never_outputs_javascript_urls():
    source = (
        "[click](javascript:alert(1)) [also](JaVaScRiPt:alert(1)) "
        "![img](javascript:alert(1)) <javascript:alert(1)> [ok](https://example.org)\n"
    )
    html = render_markdown(source).html
    urls = [value for _tag, name, value in _tags_and_attributes(html) if name in ("href", "src")]
    assert urls == ["https://example.org"]


def test_it_escapes_html_inside_code_blocks():
    html = render_markdown(_fence("console run", "echo '<script>alert(1)</script>'")).html
    assert "<script" not in html
    assert runnable_commands(html) == [["echo '<script>alert(1)</script>'"]]


def test_it_cannot_be_tricked_into_inserting_a_code_block_marker():
    html = render_markdown("dockyard-code-block-0000000000000000-0\n\n" + _fence("", "x")).html
    assert "dockyard-code-block-0000000000000000-0" in html
    assert html.count('class="code-block"') == 1

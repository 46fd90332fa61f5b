"""A generated book of 200 pages holding every construct the importer knows, in
Chinese: for the import test and for bench/book_import.py."""

from books.tests.helpers import FIXTURE_BOOK

PAGES = 200

PAGE = """\
<!-- canonical-example: page {n} -->
## {chapter}.{section} Page {n}

<p align="center"><img src="../_images/layers.png" width="200" alt="Layers {n}"></p>

Text of page {n}, with a [link](../ch1/s1.md) and `code`, <kbd>Ctrl</kbd>+<kbd>C</kbd>.

> [!WARNING]
> Careful on page {n}.

- [x] read
- [ ] practise

```mermaid
flowchart LR
    A{n}[Dockerfile] --> B{n}[Image] --> C{n}[Container]
```

### Running

```bash
$ docker run --rm busybox echo page-{n}
page-{n}
$ docker ps -a --format '{{{{.Names}}}}'
web
$ for i in 1 2 3; do
$   echo $i
$ done
1
2
3
$ docker stop <CONTAINER_ID>
$ docker image rm [选项] <镜像1> [<镜像2> ...]
```

```console
$ if true; then
>   echo yes
> fi
yes
$ cat > index.html <<END
<h1>page {n}</h1>
END
$ docker run -d -p 80{n:02d}:80 -v ~/site:/usr/share/nginx/html \\
    --name web{n} nginx
```

### Building

```docker
RUN <command>
```

```docker
FROM busybox
RUN echo {n} > /n \\
 && echo done
CMD ["cat", "/n"]
```

```docker
+--------+
| layer  |
+--------+
```

| a | b |
| --- | --- |
| 1<br>2 | <sup>3</sup> |

<details><summary>More</summary>

Hidden text {n}.

</details>
"""


def generated_book(root):
    """The intro and 199 pages like PAGE, in chapters of 20 under parts, in Chinese."""
    (root / "_images").mkdir(parents=True)
    (root / "_images" / "layers.png").write_bytes((FIXTURE_BOOK / "_images" / "layers.png").read_bytes())
    (root / "book.json").write_text('{"language": "zh-hans"}')
    (root / "README.md").write_text("# A generated book\n\nFor timing.\n")
    summary = ["# Summary", "", "* [Intro](README.md)"]
    for n in range(1, PAGES):
        chapter, section = divmod(n - 1, 20)
        folder = root / f"ch{chapter + 1}"
        folder.mkdir(exist_ok=True)
        if section == 0:
            summary += ["", f"## Part {chapter + 1}", ""]
        (folder / f"s{section + 1}.md").write_text(PAGE.format(n=n, chapter=chapter + 1, section=section + 1))
        indent = "  " if section else ""
        summary.append(f"{indent}* [{chapter + 1}.{section + 1} Page {n}](ch{chapter + 1}/s{section + 1}.md)")
    (root / "SUMMARY.md").write_text("\n".join(summary) + "\n")
    return root

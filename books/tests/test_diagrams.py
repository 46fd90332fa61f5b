"""```mermaid blocks are drawn in the page by the vendored Mermaid; the source stays one click away."""

import html as html_lib

from django.conf import settings

from books.tests.helpers import elements, page_html

MERMAID = "vendor/mermaid-12.3.0/mermaid.min.js"


def test_a_diagram_is_its_source_in_a_figure_with_a_copyable_copy(book):
    html = page_html(book, "layers")
    figure = html.split('<figure class="diagram">')[1].split("</figure>")[0]
    source = "flowchart LR\n    D[Dockerfile] --&gt;|docker build| I[Image]\n    I --&gt;|docker run| C[Container]\n"
    assert figure.startswith(f'<pre class="mermaid">{source}</pre>')
    assert '<details class="diagram-source"><summary>Diagram source</summary>' in figure
    assert html_lib.unescape(source) in html_lib.unescape(figure.split("<details")[1].replace("<span></span>", ""))
    assert 'data-action="copy"' in figure and "run-btn" not in figure


def test_every_mermaid_block_becomes_a_diagram(book):
    assert page_html(book, "layers-layers").count('<figure class="diagram">') == 2
    assert page_html(book, "layers").count('<figure class="diagram">') == 1


def _scripts(client, slug):
    html = client.get(f"/books/tiny/{slug}/").content.decode()
    return [attrs["src"] for tag, attrs in elements(html) if tag == "script" and "src" in attrs]


def test_pages_with_diagrams_load_mermaid_and_others_do_not(client, book):
    assert f"/static/{MERMAID}" in _scripts(client, "layers")
    assert "/static/js/diagrams.js" in _scripts(client, "layers")
    assert not any("mermaid" in src or "diagrams" in src for src in _scripts(client, "basics-run"))


def test_mermaid_is_vendored_whole_with_its_licence():
    folder = settings.BASE_DIR / "static" / MERMAID.rsplit("/", 1)[0]
    script = (folder / "mermaid.min.js").read_text()
    assert len(script) > 1_000_000 and "sourceMappingURL" not in script
    assert "MIT" in (folder / "LICENSE").read_text()

"""The raw HTML of a book page, made ready for the sanitizer.

Each piece of raw HTML (a block, or one inline tag) is re-written tag by
tag: image and link URLs go through the same hook as Markdown's, comments
go, `<h1>` becomes `<h2>` (the page has one title), and ids, names and
classes go (they would collide with the page's own). Tags the sanitizer will
drop are reported. The sanitizer (lessons.rendering.sanitize) still has the
last word on everything.
"""

import html
from html.parser import HTMLParser

from lessons.rendering import ALLOWED_TAGS

DROPPED_ATTRIBUTES = frozenset({"id", "name", "class"})
# Form controls would look live on the page; task lists get their checkboxes from Markdown.
REMOVED_TAGS = frozenset({"input"})
URL_ATTRIBUTES = {("img", "src"): "image", ("a", "href"): "link"}


class _Rewriter(HTMLParser):
    def __init__(self, rewrite_url, dropped):
        super().__init__(convert_charrefs=False)
        self.rewrite_url, self.dropped, self.out = rewrite_url, dropped, []

    def handle_starttag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, ""))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self._tag(tag, attrs, " /"))

    def handle_endtag(self, tag):
        if tag not in REMOVED_TAGS:
            self.out.append(f"</{'h2' if tag == 'h1' else tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    # Comments, <!DOCTYPE>, <?...?> and <![CDATA[...]]> are left out.
    def handle_comment(self, data):
        pass

    def handle_decl(self, decl):
        pass

    def handle_pi(self, data):
        pass

    def unknown_decl(self, data):
        pass

    def _tag(self, tag, attrs, end):
        if tag not in ALLOWED_TAGS or tag in REMOVED_TAGS:
            self.dropped.add(tag)
        if tag in REMOVED_TAGS:
            return ""
        kept = []
        for name, value in attrs:
            if name in DROPPED_ATTRIBUTES:
                continue
            kind = URL_ATTRIBUTES.get((tag, name))
            if kind is not None:
                value = self.rewrite_url(kind, value or "")
                if value is None:
                    if tag == "img":  # no usable picture: its alt text instead
                        return html.escape(dict(attrs).get("alt") or "")
                    continue
            kept.append(name if value is None else f'{name}="{html.escape(value, quote=True)}"')
        tag = "h2" if tag == "h1" else tag
        return f"<{' '.join([tag, *kept])}{end}>"


def rewrite(text, rewrite_url, dropped):
    """`text` (raw HTML) with its URLs given to rewrite_url(kind, url); names of tags
    the sanitizer drops are added to the set `dropped`."""
    rewriter = _Rewriter(rewrite_url, dropped)
    rewriter.feed(text)
    rewriter.close()
    return "".join(rewriter.out)

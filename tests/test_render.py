"""render.py: what a page read of watched objects, however the template reached it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.models import Page, SiteConfig
from generator.site.render import Renderer


@dataclass(frozen=True)
class Item:
    title: str
    html: str


TEMPLATES = {
    "attr.html": "{{ a.title }} {{ b.html }}",
    "item.html": "{{ a['html'] }}",
    "filter.html": "{{ items | map(attribute='html') | join(',') }}",
    "macro.html": "{% macro show(x) %}{{ x.html }}{% endmacro %}{{ show(b) }} {{ a.title }}",
    "none.html": "{{ a.title }} {{ items | length }}",
}


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    for name, text in TEMPLATES.items():
        (tmp_path / name).write_text(text)
    return Renderer(SiteConfig(root=tmp_path), tmp_path, {}, watch=(Item, frozenset({"html"})))


@pytest.mark.parametrize(
    "template, expected, read",
    [
        ("attr.html", "A <b>", {"b"}),
        ("item.html", "<a>", {"a"}),
        ("filter.html", "<a>,<b>", {"a", "b"}),
        ("macro.html", "<b> A", {"b"}),
        ("none.html", "A 2", set()),
    ],
)
def test_reads_name_the_objects_whose_watched_attributes_a_page_read(renderer, template, expected, read):
    a, b = Item("A", "<a>"), Item("B", "<b>")
    renderer.render(Page(url="/x/", template="attr.html", context={"a": a, "b": b, "items": [a, b]}, output="x"))  # reads b
    out = renderer.render(Page(url="/", template=template, context={"a": a, "b": b, "items": [a, b]}, output="index.html"))
    assert out.data.decode() == expected.replace("<", "&lt;").replace(">", "&gt;")
    assert renderer.reads == {id(x) for x, name in ((a, "a"), (b, "b")) if name in read}  # this page's reads only


@pytest.mark.parametrize(
    "base, path, url, absolute",
    [
        ("https://example.org/", "/posts/x/", "/posts/x/", "https://example.org/posts/x/"),
        ("https://example.org/blog/", "posts/x/#part", "/blog/posts/x/#part", "https://example.org/blog/posts/x/#part"),
        ("http://127.0.0.1:8000/", "/", "/", "http://127.0.0.1:8000/"),
    ],
)
def test_urls_are_under_the_base_path_and_absolute_ones_under_its_origin(tmp_path, base, path, url, absolute):
    renderer = Renderer(SiteConfig(root=tmp_path, base_url=base), tmp_path, {})
    assert (renderer.url(path), renderer.absolute(path)) == (url, absolute)


def test_an_unknown_attribute_falls_back_to_an_item_then_to_undefined(renderer, tmp_path):
    from generator.errors import BuildError

    (tmp_path / "lookup.html").write_text("{{ d.key }} {{ d.missing }}")
    with pytest.raises(BuildError, match="missing"):
        renderer.render(Page(url="/", template="lookup.html", context={"d": {"key": "value"}}, output="index.html"))
    (tmp_path / "lookup.html").write_text("{{ d.key }}")
    fresh = Renderer(SiteConfig(root=tmp_path), tmp_path, {})  # templates are read once per renderer
    assert fresh.render(Page(url="/", template="lookup.html", context={"d": {"key": "value"}}, output="index.html")).data == b"value"

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


# Calls and dict keys take shortcuts past Jinja's own Context.call and Environment.getattr:
# each case must come out as plain Jinja (same options, default context) renders it.
SHORTCUT_TEMPLATES = {
    "calls.html": "{% macro m(x) %}[{{ x }}]{% endmacro %}{% macro c(x) %}[{{ x }}{{ caller() }}]{% endmacro %}"
    "{{ url('/a/') }} {{ absolute('b') }} {{ m(1) }} {% call c(2) %}in{% endcall %} {{ ctx_name() }} {{ plain('z') }}",
    "dicts.html": "{{ d.key }} {{ d.items is defined }} {{ d.gap is defined }} {% for p in pages %}{{ p.n if p.n is defined }}{{ '-' if p.gap is defined }}{% endfor %}",
    "missing.html": "{{ d.nothing }}",
    # A macro escapes as the block it is called from does: its result is plain text
    # inside {% autoescape false %}, so what is added to it is not escaped either.
    "autoescape.html": "{% macro m(x) %}<i>{{ x }}</i>{% endmacro %}{{ m('<b>') + '<u>' }}"
    "{% autoescape false %}{{ m('<b>') + '<u>' }}{% endautoescape %}",
}


def _plain_jinja(folder: Path, site: SiteConfig, renderer: Renderer):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(site=site, url=renderer.url, absolute=renderer.absolute, asset=renderer.asset, **EXTRA)
    return env


@__import__("jinja2").pass_context
def _ctx_name(context):
    return context.get("who", "nobody")


EXTRA = {"ctx_name": _ctx_name, "plain": str.upper}


@pytest.mark.parametrize("template", ["calls.html", "dicts.html", "autoescape.html"])
def test_shortcuts_render_what_plain_jinja_renders(tmp_path, template):
    for name, text in SHORTCUT_TEMPLATES.items():
        (tmp_path / name).write_text(text)
    site = SiteConfig(root=tmp_path, base_url="https://example.org/blog/")
    renderer = Renderer(site, tmp_path, {}, extra_globals=EXTRA)
    context = {"who": "me", "d": {"key": "<k>", "items": 1}, "pages": [{"n": 1}, {"gap": True}, {"n": 3}]}
    ours = renderer.render(Page(url="/", template=template, context=context, output="x")).data.decode()
    expected = _plain_jinja(tmp_path, site, renderer).get_template(template).render(page=None, **context)
    assert ours == expected
    assert "me" in ours or template != "calls.html"  # a pass_context global still gets the context


def test_a_missing_dict_key_is_still_an_error_naming_the_template(tmp_path):
    from generator.errors import BuildError

    for name, text in SHORTCUT_TEMPLATES.items():
        (tmp_path / name).write_text(text)
    renderer = Renderer(SiteConfig(root=tmp_path), tmp_path, {})
    with pytest.raises(BuildError, match="missing.html.*nothing"):
        renderer.render(Page(url="/", template="missing.html", context={"d": {}}, output="x"))


def test_preload_compiles_every_template_and_leaves_errors_to_the_page(tmp_path):
    from generator.errors import BuildError

    (tmp_path / "good.html").write_text("{{ x }}")
    (tmp_path / "bad.html").write_text("{% if %}")
    (tmp_path / "notes.bin").write_bytes(b"\xff\xfe not text")
    renderer = Renderer(SiteConfig(root=tmp_path), tmp_path, {})
    renderer.preload()
    assert "good.html" in {t.name for t in renderer.env.cache.values()}  # compiled once, here
    assert renderer.render(Page(url="/", template="good.html", context={"x": 1}, output="x")).data == b"1"
    with pytest.raises(BuildError, match="bad.html"):
        renderer.render(Page(url="/b/", template="bad.html", context={}, output="b"))

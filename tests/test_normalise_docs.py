"""Documentation and notebook generators' markup: captions that are not figcaptions,
admonitions and callouts, tabbed blocks, Gutenberg embeds holding a bare URL."""

from __future__ import annotations

from bench.fidelity import render
from generator.normalise import convert_body


def rendered(html: str):
    return render(convert_body(html, "html", "https://docs.example/page/"))


def _caption(figure) -> str:
    return " ".join(figure.find("figcaption").get_text().split())


def test_pandoc_and_sphinx_figure_captions_become_figcaptions():
    html = rendered('<div class="figure"><img src="plot.png" alt="plot"><p class="caption">Figure 1: A plot</p></div>'
                    '<div class="wp-caption"><img src="/desk.jpg" alt=""><p class="wp-caption-text">My desk</p></div>')
    figures = html.find_all("figure")
    assert [_caption(f) for f in figures] == ["Figure 1: A plot", "My desk"]
    assert figures[0].find("img")["src"] == "https://docs.example/page/plot.png"


def test_code_file_names_become_captions_of_their_code():
    html = rendered(
        '<div class="language-python codeBlockContainer_Ab12 theme-code-block"><div class="codeBlockTitle_Xy34">hello.py</div>'
        '<div class="codeBlockContent_Q1"><pre class="prism-code language-python"><code><span class="token-line">print(1)<br></span></code></pre></div></div>'
        '<div class="language-yaml highlight"><span class="filename">mkdocs.yml</span><pre><span></span><code>site_name: x\n</code></pre></div>'
        '<div class="code-with-filename"><div class="code-with-filename-file"><pre><strong>run.R</strong></pre></div>'
        '<div class="sourceCode"><pre class="sourceCode r"><code class="sourceCode r">x &lt;- 1</code></pre></div></div>')
    figures = html.find_all("figure")
    assert [_caption(f) for f in figures] == ["hello.py", "mkdocs.yml", "run.R"]
    assert [f.find("code")["class"] for f in figures] == [["language-python"], ["language-yaml"], ["language-r"]]
    assert figures[2].find("code").get_text() == "x <- 1\n"


def test_admonitions_and_callouts_become_titled_quotes():
    html = rendered(
        '<div class="admonition warning"><p class="admonition-title">Careful</p><p>It <em>bites</em>.</p></div>'
        '<div class="callout callout-style-default callout-note callout-titled"><div class="callout-header">'
        '<div class="callout-icon-container"><i class="callout-icon"></i></div><div class="callout-title-container flex-fill">Note</div></div>'
        '<div class="callout-body-container callout-body"><p>Body text.</p></div></div>'
        '<div class="theme-admonition theme-admonition-tip admonition_xJq3"><div class="admonitionHeading_Gvgb">tip</div>'
        '<div class="admonitionContent_BuS1"><p>Use it.</p></div></div>')
    quotes = html.find_all("blockquote")
    assert [q.find("strong").get_text() for q in quotes] == ["Careful", "Note", "tip"]
    assert [" ".join(q.get_text().split()) for q in quotes] == ["Careful It bites.", "Note Body text.", "tip Use it."]


def test_tabbed_blocks_keep_each_label_with_its_code():
    html = rendered(
        '<div class="tabbed-set tabbed-alternate" data-tabs="1:2"><input checked="checked" id="t1" name="t" type="radio">'
        '<input id="t2" name="t" type="radio"><div class="tabbed-labels"><label for="t1">Python</label><label for="t2">Shell</label></div>'
        '<div class="tabbed-content"><div class="tabbed-block"><div class="language-python highlight"><pre><span></span><code>import x</code></pre></div></div>'
        '<div class="tabbed-block"><div class="language-bash highlight"><pre><span></span><code>run x</code></pre></div></div></div></div>')
    labels = [s.get_text() for s in html.find_all("strong")]
    assert labels == ["Python", "Shell"]
    assert [c["class"] for c in html.find_all("code")] == [["language-python"], ["language-bash"]]
    assert html.find("input") is None


def test_gutenberg_embed_with_a_bare_url_becomes_a_link_with_its_caption():
    html = rendered('<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">\nhttps://video.example/watch?v=1\n</div>'
                    '<figcaption class="wp-element-caption">The talk</figcaption></figure>')
    figure = html.find("figure")
    assert figure.find("a")["href"] == "https://video.example/watch?v=1"
    assert _caption(figure) == "The talk"

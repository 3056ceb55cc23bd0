"""Code blocks: text around ``<code>`` in a ``<pre>``, breaks in inline code, folded code
in ``<details>`` (Quarto, Jupyter), languages from wrappers (MkDocs, Jupyter)."""

from __future__ import annotations

from bs4 import BeautifulSoup

from bench.fidelity import render
from generator.normalise import convert_body
from generator.normalise.code import code_language, code_text


def rendered(html: str):
    return render(convert_body(html, "html", "https://blog.example/post/"))


def _pre(html: str):
    return BeautifulSoup(html, "html.parser").find("pre")


def test_text_of_pre_outside_its_code_is_kept():
    assert code_text(_pre("<pre>$ <code>pip install x</code>\nok</pre>")) == "$ pip install x\nok"
    assert code_text(_pre("<pre>\n<code>only\n</code>\n</pre>")) == "only"
    html = rendered("<pre>$ <code>make test</code></pre>")
    assert html.find("code").get_text() == "$ make test\n"


def test_break_in_inline_code_is_a_space():
    html = rendered("<p>run <code>first<br>second</code> now</p>")
    assert html.find("code").get_text() == "first second"


def test_language_from_the_wrapper_when_the_pre_has_none():
    assert code_language(_pre('<div class="language-python highlight"><pre><span></span><code>x</code></pre></div>')) == "python"
    assert code_language(_pre('<div class="highlight hl-ipython3"><pre>x</pre></div>')) == "ipython3"
    assert code_language(_pre('<pre class="sourceCode r code-with-copy"><code class="sourceCode r">x</code></pre>')) == "r"
    assert code_language(_pre('<div class="language-js"><pre class="language-ts"><code>x</code></pre></div>')) == "ts"
    assert code_language(_pre('<pre class="brush: python; title: ; notranslate" title="">x</pre>')) == "python"


def test_folded_code_keeps_blank_lines_language_and_summary():
    source = ('<details><summary>Code</summary><div class="sourceCode cell-code" id="cb1">'
              '<pre class="sourceCode python code-with-copy"><code class="sourceCode python">'
              '<span id="cb1-1"><a href="#cb1-1" aria-hidden="true" tabindex="-1"></a><span class="im">import</span> os</span>\n'
              '<span id="cb1-2"><a href="#cb1-2" aria-hidden="true" tabindex="-1"></a></span>\n'
              '<span id="cb1-3"><a href="#cb1-3" aria-hidden="true" tabindex="-1"></a>print(os.sep)</span></code></pre></div></details>')
    html = rendered(source)
    details = html.find("details")
    assert details.find("summary").get_text() == "Code"
    code = details.find("code")
    assert code["class"] == ["language-python"]
    assert code.get_text() == "import os\n\nprint(os.sep)\n"
    assert code.find("span") is not None  # highlighted by the site's renderer


def test_code_in_a_definition_list_keeps_blank_lines_and_language():
    html = rendered('<dl><dt>Term <em>x</em></dt><dd>Inline <code>c</code></dd><dt>Code</dt>'
                    '<dd><p>Para</p><pre><code class="language-py">a = 1\n\nb = 2</code></pre></dd></dl>')
    dl = html.find("dl")
    assert [dt.get_text() for dt in dl.find_all("dt")] == ["Term x", "Code"]
    assert dl.find("dt").find("em").get_text() == "x"
    code = dl.find_all("dd")[1].find("code", class_="language-py")
    assert code.get_text() == "a = 1\n\nb = 2\n"

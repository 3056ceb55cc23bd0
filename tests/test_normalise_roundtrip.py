"""Round trip: every golden article rendered by the site's Markdown dialect has the
structure of its source HTML (code exact with language, links, images, headings,
captions, embeds); and over the real feeds in ../shared nothing is lost."""

from __future__ import annotations

import pytest
from normalise_helpers import FIXTURE_FILES, NOW, fixture_entries, source_for

from bench.fidelity import measure_entry, real_feed_files, render
from generator.errors import FetchError
from generator.fetching.parse import parse_feed
from generator.models import FeedSource, FetchResult
from generator.normalise import normalise_entry

FEATURES = ("code", "code_lang", "links", "images", "headings", "captions", "embeds", "lists", "tables", "formatting", "tasks", "spaces")


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.stem)
def test_fixture_structure_survives(path):
    source = source_for(path)
    checked = 0
    for entry in fixture_entries(path):
        score, _ = measure_entry(entry, source)
        assert score.missed == [], score.missed
        checked += sum(score.total.values())
    assert checked > 0


def test_fixture_feeds_cover_every_feature():
    totals = {f: 0 for f in FEATURES}
    for path in FIXTURE_FILES:
        for entry in fixture_entries(path):
            score, _ = measure_entry(entry, source_for(path))
            for f in FEATURES:
                totals[f] += score.total[f]
    assert all(totals[f] > 0 for f in FEATURES), totals


def _rendered(stem: str, index: int = 0):
    path = next(p for p in FIXTURE_FILES if p.stem == stem)
    entry = fixture_entries(path)[index]
    return render(normalise_entry(entry, source_for(path)).body)


def test_forem_rendering():
    html = _rendered("forem")
    code = html.find_all("code")
    python = next(c for c in code if "queue.Queue()" in c.get_text())
    assert python["class"] == ["language-python"]
    assert "if a < b:" in python.get_text()
    shell = next(c for c in code if "worker.py" in c.get_text())
    assert not shell.get("class") and "```3```" in shell.get_text()
    assert "fullscreen" not in html.get_text()
    assert [h.name for h in html.find_all(["h2", "h3"])] == ["h2", "h3"]
    assert html.find("h2").get_text() == "The idea"
    img = html.find("img")
    assert img.find_parent("a")["href"] == img["src"]  # article-body-image-wrapper: the link to the full size stays
    assert (img["alt"], img["width"], img["height"]) == ("Workers pulling from a queue", "800", "400")
    outer = html.find("ol")
    assert [li.find(string=True).strip() for li in outer.find_all("li", recursive=False)][:2] == ["Create the queue", "Start the workers"]
    assert outer.find("ul").find_parent("li") is not None
    iframe = html.find("iframe")
    assert iframe["src"] == "https://www.youtube-nocookie.com/embed/aBcDeFgHiJk"
    assert iframe["loading"] == "lazy" and "allow-scripts" in iframe["sandbox"]
    assert html.find("sub").get_text() == "2" and html.find("sup").get_text() == "2"
    assert html.find("br") is not None and "# not a heading" in html.get_text()
    first = html.find("p").get_text()
    assert "*large*" in first and "[brackets]" in first and "2 < 3" in first


def test_ghost_rendering():
    html = _rendered("ghost")
    figures = html.find_all("figure")
    graph = figures[0]
    assert graph.find("figcaption").get_text() == "Build minutes per week, before and after"
    assert graph.find("img")["alt"] == "Build minutes per week, before and after"  # not the fake alt
    assert figures[1].find("code", class_="language-toml") is not None
    assert figures[1].find("figcaption").get_text() == "pants.toml"  # the code card's caption is a caption
    gallery = figures[2]
    assert [i["alt"] for i in gallery.find_all("img")] == ["Before", "After"]
    toml = html.find("code", class_="language-toml")
    assert toml.get_text() == '[tool.pants]\nbackend = ["python"]\n'
    quotes = html.find_all("blockquote")
    assert quotes[0].get_text().strip().startswith("💡 Measure")
    assert quotes[1].find("a")["href"] == "https://tools.example.com/docs/"
    assert "Everything about the tool" in quotes[1].get_text()
    assert [th.get_text() for th in html.find_all("th")] == ["Step", "Minutes"]
    assert html.find_all("td")[1].get_text() == "42 | about"
    hrefs = [a["href"] for a in html.find_all("a")]
    assert "https://docs.example.net/guide/" in hrefs and "https://garden.example.org/tag/python/" in hrefs
    assert not any("ref=" in h for h in hrefs)
    assert "kg-card" not in str(html)


def test_ghost_feature_image_not_duplicated():
    path = next(p for p in FIXTURE_FILES if p.stem == "ghost")
    article = normalise_entry(fixture_entries(path)[0], source_for(path))
    assert article.image == ""  # hedge.jpg is already the body's first image
    assert article.body.count("hedge.jpg") == 1


def test_gridsome_rendering():
    html = _rendered("gridsome")
    sql = html.find("code", class_="language-sql")
    assert sql.get_text() == "INSERT INTO band VALUES (1);\n"
    assert sql.find_parent("li") is not None and sql.find_parent("ol") is not None
    nested = html.find("ul").find("ul")
    assert [li.get_text() for li in nested.find_all("li")] == ["in one query", "inside a transaction"]
    assert html.find("img")["src"] == "https://tinyorm.example.com/images/blog/bulk/chart.png"
    assert html.find("img").find_parent("a") is None  # lightbox href="#" unwrapped
    assert html.find("figcaption").get_text() == "Insert timings"
    assert html.find("source")["src"] == "https://tinyorm.example.com/images/blog/bulk/demo.mp4"
    assert html.find("section", class_="footnotes").find("li").get_text().strip().startswith("Timings from a laptop")
    assert html.find("table").find("th").get_text() == "Rows"
    assert html.find("iframe")["src"] == "https://www.youtube-nocookie.com/embed/ZyXwVuTsRqP"


def test_generic_rendering():
    wp = _rendered("wordpress")
    assert wp.find("figcaption").get_text() == "My desk, in the morning"
    assert wp.find("table").find("th") is None and len(wp.find_all("td")) == 4  # header-less kept
    assert wp.find("sup").find("a")["href"].startswith("#fn")
    assert "A footnote with style." in wp.find("section", class_="footnotes").get_text()
    assert "an <em> tag written out" in wp.get_text()
    medium = _rendered("medium")
    assert not any("_/stat" in img["src"] for img in medium.find_all("img"))
    assert all("source=" not in a["href"] and "utm_" not in a["href"] for a in medium.find_all("a"))
    assert 'head\ntail -f app.log' in medium.find("code").get_text()
    blogger = _rendered("blogger")
    assert blogger.find("a")["href"] == "https://notes.example.net/2026/01/plans.html"
    assert blogger.find("img")["src"] == "https://notes.example.net/images/shelf.jpg"
    assert blogger.find("iframe")["src"] == "https://player.vimeo.com/video/123456?dnt=1"
    assert any(a["href"].startswith("https://www.blogger.com/video.g") for a in blogger.find_all("a"))
    teaser = _rendered("jsonfeed", 1)
    assert "This is an excerpt." in teaser.get_text()
    assert teaser.find_all("a")[-1]["href"] == "https://links.example.io/2026/02/short"


def _real_entries():
    cases = []
    for path in real_feed_files():
        source = FeedSource(name=path.stem, url=f"https://feeds.example/{path.name}")
        result = FetchResult(source=source, status="ok", url=source.url, body=path.read_bytes())
        try:
            feed = parse_feed(result, source, {}, NOW)
        except FetchError:
            continue
        cases.append((path, source, feed.entries))
    return cases


@pytest.mark.parametrize("case", _real_entries() or [None], ids=lambda c: c[0].name if c else "absent")
def test_real_feeds_lose_nothing(case):
    if case is None:
        pytest.skip("../shared/seeds and ../shared/wild are absent")
    _, source, entries = case
    for entry in entries:
        score, body = measure_entry(entry, source)
        lost = [m for m in score.missed if m.split(":")[0] in (*FEATURES, "chrome")]
        assert lost == [], f"{entry.title}: {lost}"
        assert normalise_entry(entry, source).body == body  # deterministic


def _captions(html) -> list[str]:
    return [" ".join(c.get_text().split()) for c in html.find_all("figcaption") if c.find_parent("figure") is not None]


def test_ghost6_cards():
    html = _rendered("ghost6")
    assert _captions(html) == ["Chuck, tailstock and bed after a clean",
                               "Facing a stock, in real time. Tools used: Sound on for the chatter.",
                               "feeds.py, from the tools page", "Where the numbers come from", "Swarf, which is *sharp*"]
    gallery, embed, code, bookmark, image = html.find_all("figure")
    assert len(gallery.find_all("img")) == 3
    assert embed.find("iframe")["src"].startswith("https://www.youtube-nocookie.com/embed/QwErTyUiOpA")
    assert embed.find("figcaption").find("img")["alt"] == "The tools on the bench"
    assert code.find("code", class_="language-python").get_text().count("\n\n") == 1
    assert bookmark.find("blockquote").find("a")["href"] == "https://machinists.example.org/handbook/"
    assert image.find("a")["href"].endswith("swarf-full.jpg")  # the link to the full size stays
    toggle = html.find("details")
    assert toggle.find("summary").get_text(strip=True) == "Which oil?" and "ISO VG 32" in toggle.get_text()
    assert html.find_all("blockquote")[1].get_text().strip().startswith("⚠️")  # the callout, after the bookmark
    assert {a.get_text() for a in html.find_all("a")} >= {"Join", "Visit the shop"}


def test_quarto_and_jupyter():
    html = _rendered("quarto")
    folded = html.find("details")
    assert folded.find("summary").get_text() == "Code"
    assert folded.find("code", class_="language-python").get_text().startswith("import numpy as np\n\nrng")
    assert _captions(html) == ["Figure 1: Histogram of the counts at all sites", "model.R", "Table 1: Sites by habitat"]
    assert html.find("blockquote").find("strong").get_text() == "Why Poisson?"
    assert [th.get("align") for th in html.find_all("th")] == ["left", "right"]
    assert "3.425" in [c.get_text().strip() for c in html.find_all("code")]  # the cell's output
    notebook = _rendered("quarto", 1)
    assert "In [1]" not in notebook.get_text() and "¶" not in notebook.get_text()
    assert notebook.find("code", class_="language-ipython3").get_text().count("\n\n") == 1
    assert notebook.find("img")["src"].endswith("output_3_0.png")


def test_mkdocs_material():
    html = _rendered("mkdocs")
    assert html.find("blockquote").find("strong").get_text() == "Python 3.10 or later"
    assert [s.get_text() for s in html.find_all("strong")][1:4] == ["pip", "uv", "conda"]
    assert _captions(html) == ["kiln.yml", "The dashboard after a clean build"]
    assert html.find("code", class_="language-yaml").get_text() == "targets:\n  - wheel\n\njobs: 4\n"
    assert [(b["type"], b.has_attr("checked")) for b in html.find_all("input")] == [("checkbox", True), ("checkbox", False)]
    assert [th.get("align") for th in html.find_all("th")] == ["left", "center", "right"]
    assert html.find_all("tr")[2].find("code").get_text() == "a|b"


def test_docusaurus():
    html = _rendered("docusaurus")
    assert html.find("blockquote").find("strong").get_text() == "breaking change"
    assert _captions(html) == ["src/app.ts"]
    assert html.find("code", class_="language-ts").get_text() == 'import { route } from "ferry";\n\nroute("/a|b");\n'
    assert len(html.find_all("input", attrs={"type": "checkbox"})) == 2
    steps = html.find("details").find("ol")
    assert steps["start"] == "0" and len(steps.find_all("li")) == 2


def test_wordpress_gutenberg():
    html = _rendered("gutenberg")
    assert _captions(html) == ["The beds, with the drip lines", "How the lines go in", "The talk’s slides", "Litres a week"]
    image = html.find("figure")
    assert image.find("a")["href"].endswith("/beds.jpg") and image.find("img")["alt"] == "Raised beds with *drip* lines"
    assert [th.get("align") for th in html.find_all("th")] == ["left", "right"]
    outer = html.find("ul")
    assert [li.find(string=True).strip() for li in outer.find_all("li", recursive=False)] == ["Check the forecast", "Open the valve"]
    assert outer.find("li").find("ul").get_text(strip=True) == "every morning at six"
    assert html.find("ol")["start"] == "-1"
    assert "dawn\xa0—\xa0never" in html.get_text()


def test_substack():
    html = _rendered("substack")
    figure = html.find("figure")
    assert figure.find("a")["href"].endswith("chart-one.png") and figure.find("img")["src"].endswith("w_1456,c_limit,f_auto/chart-one.png")
    assert _captions(html) == ["The axis starts at 40, so a 5% change looks like half."]
    second = html.find_all("img")[1]
    assert second.find_parent("a")["href"].endswith("f_auto/chart-two.png")
    assert "Subscribe" not in html.get_text()
    assert [li.find("p") is not None for li in html.find_all("li")] == [True, True]  # a loose list stays loose


def test_structures_the_normaliser_writes_survive_the_renderers_second_sanitising():
    from bs4 import BeautifulSoup

    from generator.normalise import convert_body
    from generator.site.markup import MarkdownRenderer

    source = ('<figure><pre><code class="language-py">x = 1</code></pre><figcaption><p>a</p><p>b</p></figcaption></figure>'
              '<details><summary>More</summary><pre><code>y</code></pre></details>'
              '<table><tr><th align="right">n</th></tr><tr><td>1</td></tr></table>'
              '<table><tr><th colspan="2" scope="col">wide</th></tr><tr><td>a</td><td>b</td></tr></table>'
              '<ol start="-1" reversed type="a"><li value="3">x</li></ol>'
              '<ul><li><input type="checkbox" checked> done</li></ul>')
    page = BeautifulSoup(MarkdownRenderer().render(convert_body(source, "html", "https://b.example/"), untrusted=True).html, "html.parser")
    assert page.find("figure").find("code", class_="language-py") is not None
    assert [p.get_text() for p in page.find("figure").find("figcaption").find_all("p")] == ["a", "b"]
    assert page.find("details").find("summary").get_text() == "More"
    assert page.find("th")["align"] == "right"
    wide = page.find_all("table")[1].find("th")
    assert (wide["colspan"], wide["scope"]) == ("2", "col")
    ol = page.find("ol")
    assert (ol["start"], ol.has_attr("reversed"), ol["type"], ol.find("li")["value"]) == ("-1", True, "a", "3")
    box = page.find("input")
    assert (box["type"], box.has_attr("checked"), box.has_attr("disabled")) == ("checkbox", True, True)

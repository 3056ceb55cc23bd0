"""Captions stay captions: a <figcaption> inside a <figure> on the built page, whatever
the figure holds (images, a gallery, code, an embed, a bookmark card, a table) and
whatever the caption holds; images keep the link to their full-size copy."""

from __future__ import annotations

from bench.fidelity import render
from generator.normalise import convert_body


def rendered(html: str, platform: str = "generic"):
    return render(convert_body(html, "html", "https://blog.example/post/", platform))


def _caption(figure) -> str:
    return " ".join(figure.find("figcaption").get_text().split())


def test_code_figure_keeps_its_caption_as_a_caption():
    html = rendered('<figure><pre><code class="language-toml">[a]\nb = 1</code></pre><figcaption><p>config.toml</p></figcaption></figure>')
    figure = html.find("figure")
    assert figure.find("code", class_="language-toml").get_text() == "[a]\nb = 1\n"
    assert _caption(figure) == "config.toml"
    assert html.find("p", class_="code-caption") is None


def test_gallery_keeps_every_image_and_its_caption():
    html = rendered('<figure class="kg-card kg-gallery-card"><div class="kg-gallery-container"><div class="kg-gallery-row">'
                    '<div class="kg-gallery-image"><img src="/a.png" alt="A"></div><div class="kg-gallery-image"><img src="/b.png" alt="B"></div>'
                    '</div></div><figcaption><p><span style="white-space: pre-wrap;">Two views</span></p></figcaption></figure>', "ghost")
    figure = html.find("figure")
    assert [img["src"] for img in figure.find_all("img")] == ["https://blog.example/a.png", "https://blog.example/b.png"]
    assert _caption(figure) == "Two views"


def test_embed_whose_caption_holds_an_image_and_paragraphs():
    html = rendered('<figure class="kg-card kg-embed-card"><iframe src="https://www.youtube.com/embed/aBcDeFgHiJk"></iframe>'
                    '<figcaption><p>First <a href="/more">part</a>.</p><img src="/logo.png" alt="logo"><p>Second part.</p></figcaption></figure>')
    figure = html.find("figure")
    assert figure.find("iframe")["src"] == "https://www.youtube-nocookie.com/embed/aBcDeFgHiJk"
    caption = figure.find("figcaption")
    assert [p.get_text() for p in caption.find_all("p") if p.get_text()] == ["First part.", "Second part."]
    assert caption.find("img")["src"] == "https://blog.example/logo.png"
    assert caption.find("a")["href"] == "https://blog.example/more"


def test_bookmark_card_caption_stays_a_caption():
    html = rendered('<figure class="kg-card kg-bookmark-card kg-card-hascaption"><a class="kg-bookmark-container" href="https://docs.example/">'
                    '<div class="kg-bookmark-content"><div class="kg-bookmark-title">The docs</div></div></a>'
                    '<figcaption>Worth a read</figcaption></figure>', "ghost")
    figure = html.find("figure")
    assert figure.find("blockquote").find("a")["href"] == "https://docs.example/"
    assert _caption(figure) == "Worth a read"


def test_table_figure_and_caption_only_figure():
    html = rendered("<figure><table><tr><th>a</th></tr><tr><td>1</td></tr></table><figcaption>Numbers</figcaption></figure>"
                    "<figure><figcaption>Nothing else survived</figcaption></figure>")
    first, second = html.find_all("figure")
    assert first.find("td").get_text() == "1" and _caption(first) == "Numbers"
    assert _caption(second) == "Nothing else survived"


def test_linked_image_keeps_its_link_in_and_out_of_figures():
    html = rendered('<figure><a href="/full.png"><img src="/small.png" alt="x"></a><figcaption>c</figcaption></figure>'
                    '<p><a class="image-link" href="https://cdn.example/big.jpg"><img src="https://cdn.example/s.jpg" alt="y"></a></p>')
    links = html.find_all("a")
    assert [(a["href"], a.find("img")["src"]) for a in links] == [
        ("https://blog.example/full.png", "https://blog.example/small.png"), ("https://cdn.example/big.jpg", "https://cdn.example/s.jpg")]


def test_alt_text_keeps_markdown_characters():
    html = rendered('<p><img src="/a.png" alt="a *star* and _under_ [x] `tick`"></p>'
                    '<figure><img src="/b.png" alt="b *c*"><figcaption>k</figcaption></figure>')
    assert [img["alt"] for img in html.find_all("img")] == ["a *star* and _under_ [x] `tick`", "b *c*"]


def test_empty_caption_is_dropped_and_figure_content_kept():
    html = rendered('<figure><pre><code>x</code></pre><figcaption> </figcaption></figure>')
    assert html.find("figcaption") is None and html.find("code").get_text() == "x\n"


def test_ghost_video_card_keeps_video_and_caption_without_player_chrome():
    html = rendered('<figure class="kg-card kg-video-card kg-card-hascaption"><div class="kg-video-container">'
                    '<video src="https://g.example/v.mp4" poster="https://img.spacergif.org/v1/1920x1080/0a/spacer.png" width="1920" height="1080"></video>'
                    '<div class="kg-video-overlay"><button class="kg-video-large-play-icon">play</button></div>'
                    '<div class="kg-video-player-container"><div class="kg-video-player"><span class="kg-video-current-time">0:00</span>'
                    '<div class="kg-video-time">/<span class="kg-video-duration">0:42</span></div></div></div></div>'
                    '<figcaption><p><span style="white-space: pre-wrap;">Video caption</span></p></figcaption></figure>', "ghost")
    figure = html.find("figure")
    assert figure.find("video")["src"] == "https://g.example/v.mp4" and not figure.find("video").get("poster")
    assert _caption(figure) == "Video caption"
    assert "0:42" not in html.get_text()

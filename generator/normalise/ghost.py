"""Clean-up for Ghost bodies (Koenig editor cards).

``figure.kg-image-card`` and ``kg-gallery-card`` become figures (with every image),
``kg-code-card`` keeps its caption, ``div.kg-callout-card`` becomes a blockquote that
keeps its emoji, ``figure.kg-bookmark-card`` becomes a link card (title, description,
link) in a figure that keeps its caption, ``kg-toggle-card`` becomes ``<details>``, and
Ghost's fake ``alt`` (the post title) gives way to the caption. The
``<!--kg-card-...-->`` comments are dropped by the sanitiser; ``?ref=<site>`` tracking
parameters by the converter's URL clean-up.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from generator.htmlattrs import attr

__all__ = ["clean_ghost"]


def _text(el: Tag | None) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ", strip=True)) if el is not None else ""


def _fix_fake_alt(figure: Tag, title: str) -> None:
    caption = _text(figure.find("figcaption"))
    for img in figure.find_all("img"):
        alt = attr(img, "alt").strip()
        if caption and (not alt or alt.casefold() == title.strip().casefold()):
            img["alt"] = caption


def _gallery(figure: Tag) -> None:
    for wrapper in figure.select(".kg-gallery-container, .kg-gallery-row, .kg-gallery-image"):
        wrapper.unwrap()


def _callout(card: Tag, soup: BeautifulSoup) -> None:
    quote = soup.new_tag("blockquote")
    para = soup.new_tag("p")
    emoji = _text(card.select_one(".kg-callout-emoji"))
    body = card.select_one(".kg-callout-text") or card
    if emoji:
        para.append(emoji + " ")
    for child in list(body.children):
        if child is not None and not (isinstance(child, Tag) and "kg-callout-emoji" in (child.get("class") or [])):
            para.append(child.extract())
    quote.append(para)
    card.replace_with(quote)


def _bookmark(card: Tag, soup: BeautifulSoup) -> None:
    link = card.find("a", href=True)
    if link is None:
        card.decompose()
        return
    href = attr(link, "href")
    title = _text(card.select_one(".kg-bookmark-title")) or href
    description = _text(card.select_one(".kg-bookmark-description"))
    site = " · ".join(t for t in (_text(card.select_one(".kg-bookmark-publisher")), _text(card.select_one(".kg-bookmark-author"))) if t)
    caption = card.find("figcaption")
    quote = soup.new_tag("blockquote")
    head = soup.new_tag("p")
    strong = soup.new_tag("strong")
    anchor = soup.new_tag("a", href=href)
    anchor.string = title
    strong.append(anchor)
    head.append(strong)
    quote.append(head)
    for line in (description, site):
        if line:
            para = soup.new_tag("p")
            para.string = line
            quote.append(para)
    if caption is None or not _text(caption):
        card.replace_with(quote)
        return
    # The caption stays the card's caption: a figure of the link card and its figcaption.
    figure = soup.new_tag("figure")
    figure.append(quote)
    figure.append(caption.extract())
    card.replace_with(figure)


def _toggle(card: Tag, soup: BeautifulSoup) -> None:
    """A toggle card (a question and its folded answer) becomes ``<details>``."""
    details = soup.new_tag("details")
    summary = soup.new_tag("summary")
    heading = card.select_one(".kg-toggle-heading-text")
    if heading is not None and heading.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
        summary.append(heading.extract())  # a heading may be a summary's content: it stays one
    else:
        summary.string = _text(card.select_one(".kg-toggle-heading"))
    details.append(summary)
    content = card.select_one(".kg-toggle-content")
    for child in list(content.children if content is not None else []):
        details.append(child.extract())
    card.replace_with(details)


# The media cards' own players (play buttons, "0:00 / 0:42", progress bars): the page's
# <video> and <audio> have controls of their own.
PLAYER_CHROME = ".kg-video-overlay, .kg-video-player-container, .kg-audio-player, .kg-audio-thumbnail.kg-audio-hide, .kg-file-card-icon"


def clean_ghost(soup: BeautifulSoup, title: str = "") -> None:
    """Apply Ghost's clean-up to ``soup`` in place."""
    for el in soup.select(PLAYER_CHROME):
        el.decompose()
    for video in soup.select(".kg-video-card video[poster]"):
        if "spacergif.org" in video["poster"]:
            del video["poster"]  # a transparent placeholder; the thumbnail was a CSS background
    for card in soup.select(".kg-callout-card"):
        _callout(card, soup)
    for card in soup.select(".kg-bookmark-card"):
        _bookmark(card, soup)
    for card in soup.select(".kg-toggle-card"):
        _toggle(card, soup)
    for figure in soup.select("figure.kg-gallery-card"):
        _gallery(figure)
    for figure in soup.find_all("figure"):
        _fix_fake_alt(figure, title)
    for el in soup.select(".kg-button-card, .kg-signup-card, .kg-product-card-button"):
        link = el.find("a", href=True)
        if link is not None:
            para = soup.new_tag("p")
            para.append(link.extract())
            el.replace_with(para)

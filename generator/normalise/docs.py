"""Clean-up for bodies written by documentation and notebook generators, whatever the
feed's platform: MkDocs Material, Quarto and Pandoc, Jupyter nbconvert, Docusaurus,
Sphinx, WordPress Gutenberg.

It owns their markup's meaning, not its looks:

* captions that are not ``<figcaption>`` become one inside a ``<figure>``: Pandoc's and
  Sphinx's ``div.figure > p.caption``, WordPress's ``div.wp-caption``, a code block's file
  name (Docusaurus' ``codeBlockTitle``, MkDocs' ``span.filename``, Quarto's
  ``code-with-filename-file``);
* admonitions and callouts (MkDocs ``div.admonition``, Quarto ``div.callout``,
  Docusaurus ``theme-admonition``) become a quote whose first line is their title in bold;
* tabbed blocks (MkDocs ``tabbed-set``) give each tab's label to its block;
* a Gutenberg embed whose wrapper holds only the URL becomes a link to it;
* heading permalinks ("¶") and Jupyter's prompts are dropped.

Everything here runs on the sanitised tree: class names survive, scripts and inputs do not.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

__all__ = ["clean_docs"]

URL_ONLY = re.compile(r"^\s*(https?://\S+)\s*$")


def _classes(el: Tag) -> list[str]:
    return list(el.get("class") or [])


def _has_class_prefix(el: Tag, prefix: str) -> bool:
    return any(c.startswith(prefix) for c in _classes(el))


def _captioned(box: Tag, caption: Tag, soup: BeautifulSoup) -> None:
    """``box`` goes into a figure whose figcaption is ``caption`` (moved after it); the
    box itself stays, so its classes still name the language of its code."""
    figcaption = soup.new_tag("figcaption")
    for child in list(caption.children):
        figcaption.append(child.extract())
    caption.decompose()
    figure = box.wrap(soup.new_tag("figure"))
    figure.append(figcaption)


def _figure_captions(soup: BeautifulSoup) -> None:
    for box in soup.select("div.figure, div.wp-caption, div.wp-block-image"):
        caption = box.select_one("p.caption, .wp-caption-text, figcaption")
        if caption is not None and box.find("img") is not None:
            _captioned(box, caption, soup)


def _code_titles(soup: BeautifulSoup) -> None:
    for title in soup.find_all(lambda el: el.name == "div" and _has_class_prefix(el, "codeBlockTitle")):
        box = title.find_parent(lambda el: el.name == "div" and _has_class_prefix(el, "codeBlockContainer"))
        if box is not None and box.find("pre") is not None:
            _captioned(box, title, soup)
    for title in soup.select("div.highlight > span.filename"):
        if title.parent is not None:
            _captioned(title.parent, title, soup)
    for box in soup.select("div.code-with-filename"):
        name = box.select_one(".code-with-filename-file")
        if name is not None and box.find("pre") is not None:
            name.name = "div"
            for pre in name.find_all("pre"):
                pre.unwrap()  # Quarto writes the file name as a <pre><strong>
            _captioned(box, name, soup)


def _callout_title(box: Tag) -> Tag | None:
    return box.select_one("p.admonition-title, .callout-title-container, .admonitionHeading, [class^=admonitionHeading]")


def _callouts(soup: BeautifulSoup) -> None:
    boxes = soup.select("div.admonition, div.callout, div.theme-admonition")
    for box in boxes:
        title = _callout_title(box)
        quote = soup.new_tag("blockquote")
        if title is not None:
            head = soup.new_tag("p")
            strong = soup.new_tag("strong")
            strong.string = re.sub(r"\s+", " ", title.get_text(" ", strip=True))
            head.append(strong)
            quote.append(head)
            header = title.find_parent(class_="callout-header") or title
            header.decompose()
        body = box.select_one(".callout-body-container, [class^=admonitionContent]") or box
        for child in list(body.children):
            quote.append(child.extract())
        box.replace_with(quote)


def _tabs(soup: BeautifulSoup) -> None:
    for tabs in soup.select("div.tabbed-set"):
        labels = tabs.select(".tabbed-labels > label, .tabbed-labels > span") or tabs.find_all("label", recursive=False)
        blocks = tabs.select(".tabbed-content > .tabbed-block") or tabs.select(".tabbed-content")
        # strict=False: a set whose markup lost a panel keeps its spare labels unheaded (removed below)
        for label, block in zip(labels, blocks, strict=False):
            head = soup.new_tag("p")
            strong = soup.new_tag("strong")
            strong.string = label.get_text(" ", strip=True)
            head.append(strong)
            block.insert(0, head)
        for label in labels:
            label.decompose()


def _embed_urls(soup: BeautifulSoup) -> None:
    for wrapper in soup.select(".wp-block-embed__wrapper"):
        match = URL_ONLY.match(wrapper.get_text())
        if match and wrapper.find(True) is None:
            para = soup.new_tag("p")
            link = soup.new_tag("a", href=match.group(1))
            link.string = match.group(1)
            para.append(link)
            wrapper.clear()
            wrapper.append(para)


# Chrome, not content: heading permalinks (Sphinx/MkDocs "¶", nbconvert, Quarto's
# anchor.js) and Jupyter's "In [1]:" / "Out[1]:" prompts.
CHROME = "a.headerlink, a.anchor-link, a.anchorjs-link, .jp-InputPrompt, .jp-OutputPrompt"


# Each step and the class names that tell it has work to do (one pass over the tree
# finds which are present; a body of none of them costs no selector walk).
STEPS = (
    (_figure_captions, ("figure", "wp-caption", "wp-block-image")),
    (_code_titles, ("codeBlockTitle", "filename", "code-with-filename")),
    (_callouts, ("admonition", "callout", "theme-admonition")),
    (_tabs, ("tabbed-set",)),
    (_embed_urls, ("wp-block-embed__wrapper",)),
)
CHROME_CLASSES = ("headerlink", "anchor-link", "anchorjs-link", "jp-InputPrompt", "jp-OutputPrompt")


def clean_docs(soup: BeautifulSoup) -> None:
    """Apply the documentation generators' clean-up to ``soup`` in place."""
    present = {c for el in soup.find_all(class_=True) for c in _classes(el)}
    if present.intersection(CHROME_CLASSES):
        for el in soup.select(CHROME):
            el.decompose()
    for step, markers in STEPS:
        if any(c.startswith(markers) for c in present):
            step(soup)

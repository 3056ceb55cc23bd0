"""Fidelity of the normaliser over the real feeds in ../shared/seeds and ../shared/wild.

For every entry, the source body (HTML, or Markdown rendered by markdown-it-py) is
compared with what the site will show: our Markdown rendered by the site's renderer
(generator.site.markup: cmark-gfm and Pygments). Counted per feature: code blocks (text
exact, trailing newlines aside, and language kept), links (absolute, resolved,
tracking-stripped target present), images (src present), headings (text present),
figure captions (only a <figcaption> inside a <figure> on the page counts), embeds
(iframe/video/audio), list items (at their depth, with their text; <ol> starts),
tables (every cell in its row, header alignment), formatting (bold, italic, struck,
inserted text, also around whole paragraphs), task-list boxes (done or open) and
no-break spaces outside code. The totals are reported per class of problem.

    python bench/fidelity.py              # one line per feed, then the totals per class
    python bench/fidelity.py --fixtures   # the same over the team's tests/fixtures/platforms
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from generator.errors import FetchError  # noqa: E402
from generator.fetching.parse import parse_feed  # noqa: E402
from generator.models import Entry, FeedSource, FetchResult  # noqa: E402
from generator.normalise import body_to_html, normalise_entry  # noqa: E402
from generator.normalise.code import code_language, code_text  # noqa: E402
from generator.normalise.docs import CHROME as DOCS_CHROME  # noqa: E402
from generator.normalise.generic import CHROME as GENERIC_CHROME  # noqa: E402
from generator.normalise.generic import is_tracking_pixel  # noqa: E402
from generator.normalise.sanitise import absolute_url, embed_url, strip_tracking  # noqa: E402
from generator.site.markup import MarkdownRenderer  # noqa: E402  (the site's renderer)

__all__ = ["Score", "measure_entry", "render", "real_feed_files", "SHARED"]

SHARED = ROOT.parent / "shared"
CHROME = re.compile(r"^(Enter|Exit) fullscreen mode$")
FEATURES = ("code", "code_lang", "links", "images", "headings", "captions", "embeds",
            "lists", "tables", "formatting", "tasks", "spaces")
# The class of problem each feature measures (the report groups them so).
CLASSES = {
    "code": ("code", "code_lang"), "lists": ("lists",), "tables": ("tables",), "captions": ("captions",),
    "images and links": ("images", "links", "embeds"), "inline formatting": ("formatting", "headings"),
    "task lists": ("tasks",), "spaces": ("spaces",),
}
FORMATTING = {"strong": "strong", "b": "strong", "em": "em", "i": "em", "del": "del", "s": "del", "strike": "del", "ins": "ins"}


@dataclass
class Score:
    """Found / expected counts per feature, and what was missed (for messages)."""

    found: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)

    def add(self, feature: str, ok: bool, what: str) -> None:
        self.total[feature] += 1
        self.found[feature] += int(ok)
        if not ok:
            self.missed.append(f"{feature}: {what[:120]}")

    def merge(self, other: "Score") -> None:
        self.found.update(other.found)
        self.total.update(other.total)
        self.missed += other.missed


def render(markdown_text: str) -> BeautifulSoup:
    """The HTML the site shows."""
    return BeautifulSoup(MarkdownRenderer().render(markdown_text).html, "html.parser")


def _text(el) -> str:
    return re.sub(r"\s+", " ", el.get_text(" ", strip=True))


def measure_entry(entry: Entry, source: FeedSource) -> tuple[Score, str]:
    """Compare one entry's source body with its rendered article body."""
    article = normalise_entry(entry, source)
    out = render(article.body)
    src = BeautifulSoup(body_to_html(entry.content, entry.content_type), "html.parser")
    for junk in src.find_all(["script", "style", "noscript", "template"]):
        junk.decompose()
    for chrome in src.select(f"{DOCS_CHROME}, {GENERIC_CHROME}"):  # heading permalinks and notebook prompts are dropped on purpose
        chrome.decompose()
    base = entry.base_url or entry.link
    score = Score()
    # Exact: the text of each rendered <code> block, language from class="language-x".
    fences = []
    for code_el in out.select("pre > code"):
        langs = [c[len("language-"):] for c in code_el.get("class") or [] if c.startswith("language-")]
        text = code_el.get_text()
        fences.append((langs[0] if langs else "", text[:-1] if text.endswith("\n") else text))
    fence_codes = [code for _, code in fences]
    for pre in src.find_all("pre"):
        code = code_text(pre)
        if not code.strip() or pre.find_parent(class_="code-with-filename-file") is not None:
            continue  # Quarto writes a code block's file name as a <pre>: it becomes the caption
        if pre.find_parent("li") is not None or pre.find_parent("blockquote") is not None:
            ok = code in fence_codes or any(code == c.get_text().rstrip("\n") for c in out.find_all("code"))
        else:
            ok = code in fence_codes
        score.add("code", ok, code)
        if ok and code in fence_codes:
            lang = code_language(pre)
            got = fences[fence_codes.index(code)][0]
            score.add("code_lang", got == lang, f"{lang!r} -> {got!r}")
    out_links = {a.get("href") for a in out.find_all("a")}
    for a in src.find_all("a", href=True):
        href = a["href"].strip()
        if href in ("", "#") or a.find_parent("pre") is not None or not (_text(a) or a.find("img")):
            continue
        target = absolute_url(href, base)
        if not target or "article-body-image-wrapper" in (a.get("class") or []):
            continue  # Forem's image wrappers are unwrapped on purpose
        if href.startswith("#") and (a.find_parent("sup") is not None or "footnote" in " ".join(a.get("class") or [])
                                     or href.startswith(("#fn", "#user-content-fn"))):
            continue  # footnote references and back-references become [^n]
        target = strip_tracking(target, entry.platform)
        ok = target in out_links
        score.add("links", ok, target)
    out_images = {img.get("src") for img in out.find_all("img")}
    for img in src.find_all("img"):
        target = absolute_url(img.get("src", ""), base)
        if not target or is_tracking_pixel(img) or img.find_parent(class_="kg-bookmark-card") is not None:
            continue  # a Ghost bookmark card becomes a text link card: its icon and thumbnail go
        score.add("images", target in out_images, target)
    out_headings = {_text(h) for h in out.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])}
    for h in src.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        if not _text(h) or h.find_parent(class_=re.compile(r"^ltag")) is not None:
            continue  # Forem liquid-tag cards become plain links
        score.add("headings", _text(h) in out_headings, _text(h))
    # A caption counts only as a caption: a <figcaption> inside a <figure> on the built page.
    out_captions = {_text(c) for c in out.find_all("figcaption") if c.find_parent("figure") is not None}
    for cap in src.find_all("figcaption"):
        if _text(cap):
            score.add("captions", _text(cap) in out_captions, _text(cap))
    out_embeds = {f.get("src") for f in out.find_all("iframe")} | {
        s.get("src") for s in out.find_all(["video", "audio", "source"]) if s.get("src")}
    for frame in src.find_all("iframe"):
        wanted = embed_url(absolute_url(frame.get("src", ""), base))
        if wanted:
            score.add("embeds", wanted in out_embeds, wanted)
    for media in src.find_all(["video", "audio"]):
        urls = [absolute_url(u, base) for u in [media.get("src", "")] + [s.get("src", "") for s in media.find_all("source")]]
        urls = [u for u in urls if u]
        if urls:
            score.add("embeds", all(u in out_embeds for u in urls), " ".join(urls))
    measure_lists(src, out, score)
    measure_tables(src, out, score)
    measure_formatting(src, out, score)
    measure_tasks(src, out, score)
    measure_spaces(src, out, score)
    if any(CHROME.match(s.strip()) for s in out.find_all(string=True)):
        score.add("chrome", False, "platform chrome left in the body")
    return score, article.body


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _item(li) -> tuple[int, str]:
    """A list item as a reader sees it: how deep it sits and its own text."""
    own = "".join(t for t in li.find_all(string=True) if t.find_parent("li") is li
                  and t.find_parent(["ul", "ol"]) is li.parent and t.find_parent("pre") is None)
    return len(li.find_parents(["ul", "ol"])), _squeeze(own)


def measure_lists(src, out, score: Score) -> None:
    """Every item at its depth (a list directly inside a list counts one deeper), with
    its own text; an <ol> keeps its start."""
    found = Counter(_item(li) for li in out.find_all("li") if li.find_parent("section", class_="footnotes") is None)
    for li in src.find_all("li"):
        if li.find_parent(class_=re.compile("footnote")) is not None or li.get("id", "").startswith("fn"):
            continue  # footnotes become the renderer's own list
        item = _item(li)
        score.add("lists", found[item] > 0, f"{item}")
        found[item] -= 1
    out_starts = Counter(ol.get("start", "1") for ol in out.find_all("ol"))
    for ol in src.find_all("ol"):
        if ol.get("start") and ol.find_parent(class_=re.compile("footnote")) is None:
            score.add("lists", out_starts[str(ol["start"]).strip()] > 0, f"ol start={ol['start']}")


def _cell_align(cell) -> str:
    style = re.search(r"text-align\s*:\s*(\w+)", cell.get("style", ""))
    classes = [c[len("has-text-align-"):] for c in cell.get("class") or [] if c.startswith("has-text-align-")]
    return cell.get("align") or (style.group(1) if style else "") or (classes[0] if classes else "")


def _table(table, src: bool) -> tuple:
    rows = [r for r in table.find_all("tr") if r.find_parent("table") is table]
    cells = tuple(tuple(_squeeze(c.get_text()) for c in r.find_all(["td", "th"], recursive=False)) for r in rows)
    header = rows[0].find_all(["td", "th"], recursive=False) if rows else []
    return cells, tuple(_cell_align(c) if src or c.name == "th" else _cell_align(c) for c in header)


def measure_tables(src, out, score: Score) -> None:
    """Every table with every cell in its row, and its header's column alignment."""
    found = {_table(t, False) for t in out.find_all("table")}
    for table in src.find_all("table"):
        want = _table(table, True)
        score.add("tables", want in found, f"{want[0][:2]} align={want[1]}")


def measure_formatting(src, out, score: Score) -> None:
    """Bold, italic, struck and inserted text, also when it wraps whole paragraphs."""
    shown = {kind: "".join(_squeeze(el.get_text()) for el in out.find_all(kind)) for kind in set(FORMATTING.values())}
    for el in src.find_all(list(FORMATTING)):
        text = _squeeze(el.get_text())
        if text and el.find_parent(["pre", "code"]) is None and el.find_parent(list(FORMATTING)) is None:
            score.add("formatting", text in shown[FORMATTING[el.name]], f"<{el.name}> {text}")


def measure_tasks(src, out, score: Score) -> None:
    """Every task-list box, done or open."""
    boxes = Counter((_item(box.find_parent("li")), box.has_attr("checked")) for box in out.select("li input[type=checkbox]"))
    for box in src.select("li input[type=checkbox]"):
        key = (_item(box.find_parent("li")), box.has_attr("checked"))
        score.add("tasks", boxes[key] > 0, f"{key}")
        boxes[key] -= 1


def measure_spaces(src, out, score: Score) -> None:
    """No-break spaces outside code stay no-break spaces."""
    shown = re.sub(r"[ \t\r\n]+", " ", out.get_text())
    for node in src.find_all(string=re.compile("\xa0")):
        if node.find_parent(["pre", "code", "script", "style"]) is None and node.strip(" \t\r\n\xa0"):
            text = re.sub(r"[ \t\r\n]+", " ", str(node)).strip(" ")
            score.add("spaces", text in shown, repr(text))


def real_feed_files() -> list[Path]:
    """The feed files of ../shared/seeds and ../shared/wild (empty when absent)."""
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    wild = sorted(p for p in (SHARED / "wild").glob("*") if p.suffix != ".md")
    return seeds + wild


def measure_file(path: Path) -> tuple[Score, int]:
    source = FeedSource(name=path.stem, url=f"https://feeds.example/{path.name}")
    result = FetchResult(source=source, status="ok", url=source.url, body=path.read_bytes())
    try:
        feed = parse_feed(result, source, {}, datetime(2030, 1, 1, tzinfo=timezone.utc))
    except FetchError:
        return Score(), -1
    total = Score()
    for entry in feed.entries:
        score, _ = measure_entry(entry, source)
        total.merge(score)
    return total, len(feed.entries)


def _percent(score: Score, feature: str) -> str:
    total = score.total[feature]
    return f"{score.found[feature]}/{total} ({100 * score.found[feature] / total:.1f}%)" if total else "-"


def _report(score: Score) -> None:
    for name, features in CLASSES.items():
        found = sum(score.found[f] for f in features)
        total = sum(score.total[f] for f in features)
        figure = f"{found}/{total} ({100 * found / total:.1f}%)" if total else "-"
        parts = "  ".join(f"{f}={_percent(score, f)}" for f in features if score.total[f] and len(features) > 1)
        print(f"  {name:18} {figure:20} {parts}")
    if score.total["chrome"]:
        print(f"  chrome left in {score.total['chrome']} articles")


def main() -> int:
    fixtures = "--fixtures" in sys.argv[1:]
    files = sorted((ROOT / "tests" / "fixtures" / "platforms").iterdir()) if fixtures else real_feed_files()
    if not files:
        print("no feeds found in ../shared/seeds or ../shared/wild")
        return 0
    groups: dict[str, Score] = {"fixtures": Score()} if fixtures else {"seeds": Score(), "wild": Score()}
    articles = Counter()
    for path in files:
        score, count = measure_file(path)
        if count < 0:
            print(f"{path.name:28} not a feed (skipped)")
            continue
        group = "fixtures" if fixtures else "seeds" if path.parent.name == "seeds" else "wild"
        groups[group].merge(score)
        articles[group] += count
        print(f"{path.name:28} {count:3} articles  " + "  ".join(f"{f}={_percent(score, f)}" for f in FEATURES if score.total[f]))
        for miss in score.missed[:5]:
            print(f"    missed {miss}")
    print()
    for group, score in groups.items():
        print(f"{group}: {articles[group]} articles, by class")
        _report(score)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The documentation site as a reader's browser shows it.

The site built by ``mkdocs build --strict`` is served from a local HTTP server and every page is
opened in headless Chromium (``tests/js/browse_site.js``: the Chromium of the npm package
``@sparticuz/chromium``, driven by ``puppeteer-core``, both pinned in ``package-lock.json``), at
a 1280 x 800 window. On every page:

- no request leaves the site (each is blocked and reported), none fails, none gets an error
  status; no console error, no uncaught exception;
- every Mermaid block is drawn to an SVG holding the nodes, the subgraphs and the arrows its
  source declares, none smaller than 12 px on screen (a diagram wider than the column is
  scaled down with its text);
- every ``infra`` code block is highlighted: keywords and names in colours of their own;
- every link inside the site leads to a page or file of the site, and its ``#anchor`` to an
  element of that page; the navigation lists each page once.

A screenshot of the architecture page is written to ``build/screenshots/architecture.png``, for
review.
"""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import struct
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import ROOT

SCRIPT = ROOT / "tests" / "js" / "browse_site.js"
SCREENSHOT = Path("build") / "screenshots" / "architecture.png"
#: The smallest text a diagram may show, in CSS pixels (Material's own smallest is 12.8 px).
SMALLEST_TEXT = 12


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the signature of the base class)
        pass


def _pages(site: Path) -> list[str]:
    """Every page of the site, as its path below the site's root ('' for the home page)."""
    return sorted(
        "" if path.parent == site else path.parent.relative_to(site).as_posix() + "/"
        for path in site.rglob("index.html")
        if "assets" not in path.relative_to(site).parts
    )


def _html(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def _diagrams(site: Path, page: str) -> list[str]:
    """The Mermaid sources of a page, as the built HTML holds them before the browser draws them."""
    return [html.unescape(code) for code in re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', _html(site, page), re.S)]


@pytest.fixture(scope="module")
def browsed(built_site):
    if shutil.which("node") is None:  # pragma: no cover
        pytest.fail("node is needed to open the site in Chromium (make test installs its packages)")
    pages = _pages(built_site)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        job = {
            "base": base,
            "pages": pages,
            "diagrams": {page: len(_diagrams(built_site, page)) for page in pages},
            "screenshots": {"architecture/": str(SCREENSHOT)},
        }
        done = subprocess.run(
            ["node", str(SCRIPT), json.dumps(job)], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    *visited, browser = json.loads(done.stdout)
    assert browser["browser"].startswith("HeadlessChrome/"), browser
    return {"site": built_site, "base": base, "pages": {visit["page"]: visit for visit in visited}}


def test_every_page_is_opened(browsed):
    pages = browsed["pages"]
    assert len(pages) >= 15 and {"", "architecture/", "getting-started/", "cli/"} <= set(pages)
    for page, visit in pages.items():
        assert visit["title"].endswith("infrac"), (page, visit["title"])
        # each page's own files came from the server: the page, the theme's script, Mermaid
        assert any(url.endswith("/javascripts/mermaid.min.js") for url in visit["requests"]), page


def test_no_request_leaves_the_site_and_none_fails(browsed):
    for page, visit in browsed["pages"].items():
        assert visit["external"] == [], f"{page or 'home'}: requests outside the site"
        assert visit["failed"] == [], f"{page or 'home'}: failed requests"


def test_no_console_error_and_no_exception(browsed):
    for page, visit in browsed["pages"].items():
        assert visit["console"] == [], f"{page or 'home'}: console errors"
        assert visit["exceptions"] == [], f"{page or 'home'}: uncaught exceptions"


_NODE = r'(\w+)(?:\["([^"]*)"\])?'
_ARROW = r'\s*(?:-->|-\.->)(?:\|"([^"]*)"\|)?\s*'


def _declared(source: str) -> tuple[list[str], list[str], list[str]]:
    """The nodes (their labels, as text), subgraph titles and arrows' labels that a Mermaid
    flowchart of the kind these pages hold declares: `subgraph id["title"]` ... `end`, and lines
    of nodes (`id` or `id["label"]`) joined by `-->` or `-.->`, each arrow with an optional
    `|"label"|`."""

    def text(label: str) -> str:
        return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", label)))

    labels: dict[str, str] = {}
    subgraphs: dict[str, str] = {}
    arrows: list[str] = []
    for line in source.splitlines()[1:]:
        line = line.strip()
        if not line or line == "end" or line.startswith(("%%", "direction ", "flowchart ")):
            continue
        if match := re.fullmatch(r'subgraph (\w+)\["([^"]*)"\]', line):
            subgraphs[match.group(1)] = text(match.group(2))
            continue
        match = re.fullmatch(_NODE + f"((?:{_ARROW}{_NODE})*)", line)
        assert match, f"a line this test cannot read: {line}"
        nodes = [(match.group(1), match.group(2))]
        for arrow, node, label in re.findall(_ARROW + _NODE, match.group(3)):
            arrows.append(text(arrow))
            nodes.append((node, label))
        for node, label in nodes:
            if label or node not in labels:
                labels[node] = text(label or node)
    nodes = [label for node, label in labels.items() if node not in subgraphs]
    return nodes, list(subgraphs.values()), arrows


def test_every_mermaid_diagram_is_drawn_with_its_nodes(browsed):
    drawn = 0
    for page, visit in browsed["pages"].items():
        sources = _diagrams(browsed["site"], page)
        assert not visit["timedOut"] and visit["unrendered"] == 0, f"{page}: diagrams left undrawn"
        assert len(visit["diagrams"]) == len(sources), page
        for source, diagram in zip(sources, visit["diagrams"], strict=True):
            where = f"{page}: {source.splitlines()[1] if len(source.splitlines()) > 1 else source}"
            assert diagram["svg"] and diagram["connected"] and not diagram["error"], where
            assert diagram["role"] == "flowchart-v2", where
            nodes, subgraphs, arrows = _declared(source)
            assert nodes, where
            assert sorted(re.sub(r"\s+", "", label) for label in diagram["nodes"]) == sorted(nodes), where
            assert sorted(re.sub(r"\s+", "", title) for title in diagram["clusters"]) == sorted(subgraphs), where
            assert diagram["edges"] == len(arrows), where
            drawn_labels = sorted(re.sub(r"\s+", "", label) for label in diagram["edgeLabels"])
            assert drawn_labels == sorted(label for label in arrows if label), where
            drawn += 1
    assert drawn >= 3  # the architecture page's three


def test_diagram_text_is_readable_at_1280_px(browsed):
    for page, visit in browsed["pages"].items():
        for number, diagram in enumerate(visit["diagrams"], 1):
            assert diagram["smallestText"] >= SMALLEST_TEXT, (
                f"{page} diagram {number}: text drawn at {diagram['smallestText']:.1f} px "
                f"(scaled by {diagram['scale']:.2f} to {diagram['width']:.0f} px wide)"
            )


def test_every_infra_block_is_highlighted(browsed):
    blocks = 0
    for page, visit in browsed["pages"].items():
        expected = _html(browsed["site"], page).count('<div class="language-infra highlight">')
        assert len(visit["infra"]) == expected, page
        for number, block in enumerate(visit["infra"], 1):
            # tokens in colours other than the plain text's: at least a keyword and a name
            assert block["tokens"] > 0 and block["keywords"] > 0 and block["colors"] >= 2, (page, number, block)
        blocks += expected
    assert blocks >= 15


def test_every_link_and_anchor_inside_the_site_resolves(browsed):
    site, base, pages = browsed["site"], browsed["base"], browsed["pages"]
    ids = {page: set(visit["ids"]) for page, visit in pages.items()}
    checked, broken = 0, []
    for page, visit in pages.items():
        for link in visit["links"]:
            if not link.startswith(base):
                continue  # another site: a link, not a request
            parts = urlsplit(link)
            target = unquote(parts.path)[len(urlsplit(base).path):]
            fragment = unquote(parts.fragment)
            checked += 1
            if target in ids or target + "/" in ids:
                target = target if target in ids else target + "/"
                if fragment and fragment not in ids[target]:
                    broken.append(f"{page or 'home'} -> {link}: no element #{fragment}")
            elif not (site / target).is_file():
                broken.append(f"{page or 'home'} -> {link}: not in the site")
            elif fragment:
                broken.append(f"{page or 'home'} -> {link}: an anchor in a file that is not a page")
    assert checked > 500
    assert broken == []


def test_the_navigation_lists_each_page_once(browsed):
    base = browsed["base"]
    for page, visit in browsed["pages"].items():
        navigation = [link[len(base):] for link in visit["navigation"]]
        assert len(navigation) >= 15, page
        assert sorted(p for p in set(navigation) if navigation.count(p) > 1) == [], page
        assert set(navigation) <= set(browsed["pages"]), page


def test_a_screenshot_of_the_architecture_page_is_written_for_review(browsed):
    path = ROOT / SCREENSHOT
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width == 1280 and height > 2000  # the whole page, its three diagrams included

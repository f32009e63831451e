"""The documentation site: generated pages are current, the site builds strictly, and every
``infra`` code block in it is real.

- The pages and fragments made from the code (``tools/docs.py``: the diagnostics and resource
  kinds references, the diagrams, the build excerpts) are the ones the code makes today.
- ``mkdocs build --strict`` succeeds: no warning, no broken link or anchor, no missing
  snippet (the build runs once per session, into a temporary folder).
- Every ```` ```infra ```` block parses; one that holds a ``project`` block is a whole project
  and builds for both targets without errors. A block that is a fragment of a stack (a
  resource, say) is parsed inside a stack.
- Every ``infra`` block of the built site is highlighted by infrac's own Pygments lexer
  (``infrac.tools.editor.lexer.InfraLexer``, the ``pygments.lexers`` entry point ``infra``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from infrac.backends import TARGETS, BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.diagnostics import has_errors
from infrac.project.pipeline import compile_sources
from infrac.syntax.parser import parse

sys.path.insert(0, str(ROOT / "tools"))
import docs as docs_tool  # noqa: E402  (tools/docs.py)

DOCS = ROOT / "docs"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```infra[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_SNIPPET = re.compile(r'^[ \t]*--8<--[ \t]+"(?P<path>[^"]+)"[ \t]*$', re.M)


def _include_snippets(text: str) -> str:
    """Replace ``--8<-- "path"`` lines by the file, as pymdownx.snippets does (base: docs/)."""
    return _SNIPPET.sub(lambda m: (DOCS / m.group("path")).read_text(encoding="utf-8").rstrip("\n"), text)


def infra_blocks() -> list[tuple[str, str]]:
    """(where, text) of every ```infra block of every page, snippets included."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        text = _include_snippets(page.read_text(encoding="utf-8"))
        for number, match in enumerate(_FENCE.finditer(text), 1):
            indent = match.group("indent")
            body = "".join(line[len(indent):] for line in match.group("body").splitlines(keepends=True))
            found.append((f"{page.relative_to(ROOT)}#{number}", body))
    return found


BLOCKS = infra_blocks()


def test_generated_pages_are_current():
    stale = [
        path
        for path, text in docs_tool.generated().items()
        if not (ROOT / path).is_file() or (ROOT / path).read_text(encoding="utf-8") != text
    ]
    assert not stale, f"out of date: {stale}; run `make docs` and review the diff"


def test_the_docs_hold_infra_examples():
    # The guard below would pass vacuously if the fence pattern stopped matching.
    assert len(BLOCKS) >= 15
    assert any("project shop" in text for _, text in BLOCKS)


@pytest.mark.parametrize("where,text", BLOCKS, ids=[where for where, _ in BLOCKS])
def test_every_infra_block_parses_and_whole_projects_build(where, text):
    whole = re.search(r"^project\s", text, re.M) is not None or re.search(r"^stack\s", text, re.M) is not None
    source = text if whole else "stack docs {\n" + text + "\n}\n"
    parsed = parse(SourceFile(f"{where}.infra", source))
    assert parsed.module is not None and not has_errors(parsed.diagnostics), [d.message for d in parsed.diagnostics]
    if re.search(r"^project\s", text, re.M):
        result = compile_sources([SourceFile(f"{where}.infra", text)])
        assert result.ok, [f"{d.code}: {d.message}" for d in result.diagnostics]
        for target in TARGETS:
            assert backend(target).render(result.program, BuildOptions())


def test_the_example_projects_build():
    projects = sorted({p.parent for p in (DOCS / "examples").rglob("*.infra")})
    assert projects
    for folder in projects:
        sources = [SourceFile(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.infra"))]
        result = compile_sources(sources)
        assert result.ok, (folder, [d.message for d in result.diagnostics])


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


def test_the_site_builds_strictly_with_every_page(site):
    for page in ("index", "getting-started", "language", "kinds", "cli", "diagnostics", "editors", "architecture", "patterns",
                 "deployment", "migration", "ci", "contributing", "performance", "decisions"):
        path = site / "index.html" if page == "index" else site / page / "index.html"
        assert path.is_file(), page


def test_mermaid_diagrams_reach_the_site_as_mermaid(site):
    page = (site / "architecture" / "index.html").read_text(encoding="utf-8")
    diagrams = re.findall(r'<pre class="mermaid"><code>(.*?)</code></pre>', page, re.S)
    assert len(diagrams) == 4
    waves = html.unescape(diagrams[2])
    layout, graph = waves.split("\n", 1)
    assert layout == docs_tool.LAYOUT and layout.startswith("%%{init: ") and layout.endswith("}%%")
    assert graph.startswith("flowchart LR") and 'subgraph wave1["wave 1"]' in graph
    # the site serves Mermaid itself (tools/mkdocs_hooks.py), and every page loads it
    assert (site / "javascripts" / "mermaid.min.js").read_bytes() == (
        ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js").read_bytes()
    assert '<script src="../javascripts/mermaid.min.js"></script>' in page
    # the compiler's own layers, from its imports (tools/docs.py `layers`)
    layers = html.unescape(diagrams[3]).split("\n", 1)[1]
    assert layers.startswith("flowchart TB") and "cli --> tools" in layers and "diagnostics --> base" in layers


def test_one_navigation_entry_per_page():
    """mkdocs.yml lists each page once (a second entry is a second link in the sidebar, to the same page)."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)

    def pages(entries):
        for entry in entries:
            for value in entry.values() if isinstance(entry, dict) else [entry]:
                yield from pages(value) if isinstance(value, list) else [value]

    listed = list(pages(config["nav"]))
    assert len(listed) >= 15
    assert sorted(p for p in set(listed) if listed.count(p) > 1) == []
    assert [p for p in listed if not (DOCS / p).is_file()] == []


def test_infra_blocks_are_highlighted_by_infracs_lexer(site):
    from pygments.lexers import get_lexer_by_name

    assert type(get_lexer_by_name("infra")).__module__ == "infrac.tools.editor.lexer"
    pages: dict[str, int] = {}
    for where, _ in BLOCKS:
        page = where.split("#")[0].removeprefix("docs/").removesuffix(".md")
        if not page.startswith("generated/"):  # fragments, counted in the pages that include them
            pages[page] = pages.get(page, 0) + 1
    assert len(pages) >= 4
    for page, expected in pages.items():
        html_path = site / "index.html" if page == "index" else site / page / "index.html"
        text = html_path.read_text(encoding="utf-8")
        blocks = re.findall(r'<div class="language-infra highlight"><pre>(.*?)</pre></div>', text, re.S)
        assert len(blocks) == expected, page
        for block in blocks:
            # the lexer's tokens: a keyword or a kind, and a name (plain text would have no spans)
            assert re.search(r'<span class="k[a-z]?">', block) and '<span class="n' in block, block[:300]


def _shell_block(page: str, heading: str) -> str:
    """The first ```sh block after a heading of a page."""
    text = (DOCS / page).read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def _run_documented(tmp_path: Path, script: str, tools: tuple[str, ...]) -> list[list[str]]:
    """Run a documented shell procedure in a copy of the seed system, with ``tools`` replaced by
    stubs that record their calls; return the calls as ``[tool, folder, *arguments]``."""
    shutil.copytree(ROOT / "infra.dsl", tmp_path / "infra.dsl")
    shutil.copytree(ROOT / "examples" / "split", tmp_path / "examples" / "split")
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    log = tmp_path / "calls.log"
    for tool in tools:
        stub = stubs / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $PWD $*" >> "{log}"\n', encoding="utf-8")
        stub.chmod(0o755)
    path = os.pathsep.join([str(stubs), str(Path(sys.executable).parent), os.environ["PATH"]])
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "PATH": path}, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [line.split() for line in log.read_text(encoding="utf-8").splitlines()]


def test_the_documented_serverless_procedure_deploys_the_compose_file(tmp_path):
    calls = _run_documented(tmp_path, _shell_block("deployment.md", "With the Serverless Framework (serverless-compose.yml)"),
                            ("npm", "npx"))
    sls = tmp_path / "build" / "sls"
    assert [c[0] for c in calls] == ["npm", "npx"]
    assert calls[1][1:] == [str(sls), "serverless", "deploy", "--stage", "dev"]
    compose = yaml.safe_load((sls / "serverless-compose.yml").read_text(encoding="utf-8"))
    # every path in the compose file leads to a service, core's own included
    for name, service in compose["services"].items():
        assert (sls / service["path"] / "serverless.yml").is_file(), name
    assert compose["services"]["core"]["dependsOn"]


@pytest.mark.skipif(shutil.which("jq") is None, reason="the documented procedure uses jq, not installed here")
def test_the_documented_aws_cli_procedure_deploys_every_stack_in_wave_order(tmp_path):
    """Run deployment.md's AWS CLI loop as written, with `aws` and `npx` replaced by stubs that
    record their calls: every stack is deployed once, from its template, after its exporters."""
    calls = _run_documented(tmp_path, _shell_block("deployment.md", "With the AWS CLI (deploy-order.json)"),
                            ("aws", "npx"))
    order = json.loads((tmp_path / "build" / "cfn" / "deploy-order.json").read_text(encoding="utf-8"))
    deployed = []
    for words in calls:
        call = " ".join(words)
        if words[0] == "aws":
            assert words[2:4] == ["cloudformation", "deploy"], call
            stack = words[words.index("--stack-name") + 1].removesuffix("-dev")
            template = words[words.index("--template-file") + 1]
            assert (tmp_path / template).is_file() and template == f"build/cfn/{stack}.yml"
            assert "Stage=dev" in words
            deployed.append(stack)
        else:
            assert words[1] == str(tmp_path / "examples" / "split" / "core") and words[2:] == [
                "serverless", "deploy", "--stage", "dev"], call
            deployed.append("core")
    assert deployed == [stack for wave in order["waves"] for stack in wave]
    assert (tmp_path / "build" / "sls" / "core" / "imports.yml").is_file()


def test_every_kind_has_an_example_on_the_language_page():
    from infrac.vocabulary import KINDS

    page = (DOCS / "language.md").read_text(encoding="utf-8")
    headings = [line for line in page.splitlines() if line.startswith("## ")]
    examples = "\n".join(text for where, text in BLOCKS if where.startswith("docs/language.md"))
    for keyword in KINDS:
        assert any(f"`{keyword}`" in heading for heading in headings), f"no section for `{keyword}`"
        assert re.search(rf"^\s*{keyword} ", examples, re.M), f"no example of `{keyword}`"


def test_the_readme_links_only_to_pages_that_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+)", readme)
    assert len(links) >= 8
    missing = [link for link in links if not (ROOT / link).is_file()]
    assert not missing, missing

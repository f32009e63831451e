"""The VS Code extension (editors/vscode/), packaged by `make vsix` with the
pinned @vscode/vsce: the .vsix (a zip) holds the manifest, the grammar, the
language configuration, the snippets and the client with its dependencies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import ROOT
from infrac.tools.editor import words

EXTENSION = ROOT / "editors" / "vscode"


@pytest.fixture(scope="module")
def vsix(tmp_path_factory) -> zipfile.ZipFile:
    if shutil.which("make") is None or shutil.which("npm") is None:  # pragma: no cover
        pytest.skip("make and npm are needed to package the extension")
    out = tmp_path_factory.mktemp("vsix") / "infra.vsix"
    process = subprocess.run(
        ["make", "--no-print-directory", "vsix", f"VSIX={out}"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return zipfile.ZipFile(out)


def test_the_manifest(vsix):
    manifest = json.loads(vsix.read("extension/package.json"))
    source = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    assert manifest["name"] == source["name"] == "infra"
    contributes = manifest["contributes"]
    [language] = contributes["languages"]
    assert language["id"] == "infra" and language["extensions"] == [".infra"]
    [grammar] = contributes["grammars"]
    assert grammar["scopeName"] == "source.infra" and grammar["language"] == "infra"
    assert contributes["snippets"][0]["language"] == "infra"
    assert contributes["configuration"]["properties"]["infra.server.command"]["default"] == ["infrac", "lsp"]
    assert manifest["main"] == "./extension.js"
    assert manifest["dependencies"] == {"vscode-languageclient": "11.0.0"}

    xml = ET.fromstring(vsix.read("extension.vsixmanifest"))
    ns = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}
    identity = xml.find("v:Metadata/v:Identity", ns)
    assert identity.get("Id") == "infra" and identity.get("Publisher") == "infrac"
    assert identity.get("Version") == manifest["version"]


def test_the_contents(vsix):
    names = set(vsix.namelist())
    for path in (
        "extension/extension.js",
        "extension/language-configuration.json",
        "extension/snippets/infra.json",
        "extension/syntaxes/infra.tmLanguage.json",
        "extension/node_modules/vscode-languageclient/package.json",
        "extension/node_modules/vscode-languageclient/lib/node/main.js",
        "extension/node_modules/vscode-jsonrpc/package.json",
    ):
        assert path in names, path
    assert not any(n.startswith("extension/test/") for n in names), "the test scripts stay out of the package"
    # What is shipped is what is in the repository (and tested by test_textmate.py).
    for relative in ("syntaxes/infra.tmLanguage.json", "language-configuration.json", "extension.js"):
        assert vsix.read(f"extension/{relative}") == (EXTENSION / relative).read_bytes()
    client = json.loads(vsix.read("extension/node_modules/vscode-languageclient/package.json"))
    assert client["version"] == "11.0.0"


def test_the_language_configuration(vsix):
    config = json.loads(vsix.read("extension/language-configuration.json"))
    assert config["comments"] == {"lineComment": "#"}
    assert ["{", "}"] in config["brackets"] and ["[", "]"] in config["brackets"]
    assert {"open": "{", "close": "}"} in config["autoClosingPairs"]
    for key in ("increaseIndentPattern", "decreaseIndentPattern"):
        re.compile(config["indentationRules"][key])
    assert re.search(config["indentationRules"]["increaseIndentPattern"], "  table Users {")
    assert re.search(config["indentationRules"]["decreaseIndentPattern"], "  }")
    assert re.fullmatch(config["wordPattern"], "infrastructure-sqs")


def test_snippets_cover_the_common_kinds(vsix):
    snippets = json.loads(vsix.read("extension/snippets/infra.json"))
    prefixes = {s["prefix"] for s in snippets.values()}
    assert set(words.kinds()) - {"user_pool_client", "user_pool_domain"} <= prefixes
    assert {"project", "stack", "uses", "export"} <= prefixes
    for name, snippet in snippets.items():
        body = "\n".join(snippet["body"])
        # every snippet's first word is the keyword or kind it is named after
        assert body.split()[0] == snippet["prefix"], name


def test_the_client_loads_from_the_package(vsix, tmp_path):
    """extension.js is valid, and what it requires resolves inside the unpacked package."""
    node = shutil.which("node")
    assert node
    vsix.extractall(tmp_path)
    script = tmp_path / "extension" / "extension.js"
    process = subprocess.run([node, "--check", str(script)], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    required = re.findall(r'require\("([^"]+)"\)', script.read_text(encoding="utf-8"))
    assert required == ["vscode", "vscode-languageclient/node"]
    resolve = "console.log(require.resolve(process.argv[1]))"
    process = subprocess.run(
        [node, "-e", resolve, "vscode-languageclient/node"], cwd=script.parent, capture_output=True, text=True
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip().startswith(str(tmp_path / "extension" / "node_modules"))


def _expand(body: list[str]) -> str:
    """A snippet as inserted with its defaults: `${1:x}` -> x, `${1|a,b|}` -> a, `$1` -> its default."""
    text = "\n".join(body)
    defaults: dict[str, str] = {}
    for number, default in re.findall(r"\$\{(\d+):([^}]*)\}", text):
        defaults.setdefault(number, default)
    text = re.sub(r"\$\{(\d+):([^}]*)\}", lambda m: m.group(2), text)
    text = re.sub(r"\$\{(\d+)\|([^,|]*)[^}]*\|\}", lambda m: m.group(2), text)
    return re.sub(r"\$\{?(\d+)\}?", lambda m: defaults.get(m.group(1), ""), text)


def test_the_snippets_compile():
    """Every resource snippet, inserted with its defaults, is a valid resource: together they
    make a stack that checks without errors (the rule's bus and target are the other snippets')."""
    from infrac.base.source import SourceFile
    from infrac.diagnostics import has_errors
    from infrac.project.pipeline import compile_sources

    snippets = json.loads((EXTENSION / "snippets" / "infra.json").read_text(encoding="utf-8"))
    resources = [name for name, s in snippets.items() if s["prefix"] in words.kinds()]
    assert len(resources) >= 7
    body = "\n".join("  " + _expand(snippets[name]["body"]).replace("\n", "\n  ") for name in resources)
    text = _expand(snippets["project"]["body"]) + "\nstack app {\n" + body + "\n}\n"
    result = compile_sources([SourceFile("snippets.infra", text)])
    assert not has_errors(result.diagnostics), [(d.code, d.message) for d in result.diagnostics] + [text]

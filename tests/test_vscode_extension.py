"""The VS Code extension (editors/vscode/) as users install it: `make vsix` packages it with the
pinned @vscode/vsce, which first bundles the client into one file (dist/extension.js, by the
pinned esbuild: the extension's `vscode:prepublish` script). The .vsix (a zip) holds the
manifest, the bundle and its licence notices, the grammar, the language configuration, the
snippets, the icon, the readme, changelog and licence; nothing else.

The bundle, taken from the package, runs against a stand-in for the `vscode` module
(tests/js/extension_host.js): it starts `infrac lsp` with the configured command, gets the
server's diagnostics for an open file, restarts the server on the command (taking a changed
setting), and stops it on deactivation."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from infrac.tools.editor import words

EXTENSION = ROOT / "editors" / "vscode"
HOST = ROOT / "tests" / "js" / "extension_host.js"
#: What the package holds, every file of it.
PACKAGED = [
    "CHANGELOG.md",
    "LICENSE.md",
    "README.md",
    "icon.png",
    "language-configuration.json",
    "package.json",
    "dist/THIRD-PARTY-NOTICES.txt",
    "dist/extension.js",
    "snippets/infra.json",
    "syntaxes/infra.tmLanguage.json",
]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> tuple[zipfile.ZipFile, str]:
    if shutil.which("make") is None or shutil.which("npm") is None:  # pragma: no cover
        pytest.skip("make and npm are needed to package the extension")
    out = tmp_path_factory.mktemp("vsix") / "infra.vsix"
    process = subprocess.run(
        ["make", "--no-print-directory", "vsix", f"VSIX={out}"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return zipfile.ZipFile(out), process.stdout + process.stderr


@pytest.fixture(scope="module")
def vsix(packaged) -> zipfile.ZipFile:
    return packaged[0]


def test_make_vsix_packages_without_warnings(packaged):
    _, output = packaged
    assert "DONE" in output and "Packaged:" in output, output
    assert not re.search(r"\bWARN(ING)?\b", output), output
    assert "--allow-missing-repository" not in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_vsce_ls_lists_a_handful_of_files(packaged):
    process = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "vsce"), "ls"], cwd=EXTENSION, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    assert sorted(process.stdout.split()) == sorted(PACKAGED)


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
    assert [c["command"] for c in contributes["commands"]] == ["infra.restartServer"]
    assert manifest["main"] == "./dist/extension.js"
    # everything the code needs is inside the bundle; the tools that make it are pinned exactly
    assert "dependencies" not in manifest
    assert manifest["devDependencies"] == {"esbuild": "0.28.2", "vscode-languageclient": "11.0.0"}
    assert manifest["scripts"]["vscode:prepublish"] == "npm run bundle"
    assert manifest["license"] == "MIT" and manifest["icon"] == "icon.png"
    assert manifest["repository"] == {
        "type": "git", "url": "https://github.com/infrac/infrac.git", "directory": "editors/vscode"}

    xml = ET.fromstring(vsix.read("extension.vsixmanifest"))
    ns = {"v": "http://schemas.microsoft.com/developer/vsx-schema/2011"}
    identity = xml.find("v:Metadata/v:Identity", ns)
    assert identity.get("Id") == "infra" and identity.get("Publisher") == "infrac"
    assert identity.get("Version") == manifest["version"]
    properties = {p.get("Id"): p.get("Value") for p in xml.iterfind("v:Metadata/v:Properties/v:Property", ns)}
    assert properties["Microsoft.VisualStudio.Services.Links.Source"] == "https://github.com/infrac/infrac.git"
    assert xml.find("v:Metadata/v:Icon", ns).text == "extension/icon.png"
    assert xml.find("v:Metadata/v:License", ns).text == "extension/LICENSE.md"


def test_the_contents(vsix):
    names = sorted(n for n in vsix.namelist() if n.startswith("extension/"))
    # vsce writes the readme and the changelog in lower case
    assert names == sorted("extension/" + (n.lower() if n in ("README.md", "CHANGELOG.md") else n) for n in PACKAGED)
    # What is shipped is what is in the repository (and tested by test_textmate.py).
    for relative in ("syntaxes/infra.tmLanguage.json", "language-configuration.json", "snippets/infra.json",
                     "icon.png", "LICENSE.md", "dist/extension.js"):
        assert vsix.read(f"extension/{relative}") == (EXTENSION / relative).read_bytes(), relative


def test_the_bundle_needs_only_vscode_and_nodes_own_modules(vsix):
    bundle = vsix.read("extension/dist/extension.js").decode()
    node = shutil.which("node")
    builtin = set(json.loads(subprocess.run(
        [node, "-p", "JSON.stringify(require('module').builtinModules)"], capture_output=True, text=True, check=True,
    ).stdout))
    required = set(re.findall(r'require\("([^"]+)"\)', bundle))
    assert "vscode" in required and "child_process" in required
    assert required - builtin == {"vscode"}, required - builtin
    assert "vscode-languageclient" not in "".join(required)


def test_the_notices_give_the_licence_of_every_bundled_package(vsix):
    notices = vsix.read("extension/dist/THIRD-PARTY-NOTICES.txt").decode()
    lock = json.loads((EXTENSION / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    bundled = ["vscode-languageclient", "vscode-jsonrpc", "vscode-languageserver-protocol", "vscode-languageserver-types",
               "minimatch", "semver"]
    for name in bundled:
        entry = lock[f"node_modules/{name}"]
        assert f"\n{name} {entry['version']} ({entry['license']})\n" in notices, name
    assert notices.count("Permission is hereby granted") >= 4


def test_the_icon_is_the_one_the_script_draws():
    sys.path.insert(0, str(EXTENSION / "scripts"))
    try:
        import icon
    finally:
        sys.path.remove(str(EXTENSION / "scripts"))
    drawn = icon.png()
    assert (EXTENSION / "icon.png").read_bytes() == drawn, "run python3 editors/vscode/scripts/icon.py"
    assert struct.unpack(">II", drawn[16:24]) == (128, 128)


def test_the_changelog_has_the_version():
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    changelog = (EXTENSION / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (\S+)", changelog, re.M)[0] == manifest["version"]


# ---- the bundle, running ----------------------------------------------------------------------

BROKEN = """stack data {
  table Users {
    key = { id: string }
    export name
  }
}

stack config {
  resource "AWS::SSM::Parameter" UsersTableName {
    properties = { Type: "String", Value: data.User.name }
  }
}
"""


@pytest.fixture(scope="module")
def bundle(vsix, tmp_path_factory) -> Path:
    """dist/extension.js as users install it: unpacked from the package, alone."""
    folder = tmp_path_factory.mktemp("installed")
    vsix.extractall(folder)
    return folder / "extension" / "dist" / "extension.js"


def _host(bundle: Path, tmp_path: Path, settings: dict, restarts: list, open_files: bool = True) -> tuple[dict, list]:
    """Run the bundle in the stand-in, in a workspace whose main.infra has an unknown reference,
    with two commands that log each start ("NAME PID ARGUMENTS") and run this checkout's infrac."""
    workspace = tmp_path / "workspace"
    (workspace / "bin").mkdir(parents=True)
    (workspace / "main.infra").write_text(BROKEN, encoding="utf-8")
    log = tmp_path / "starts.log"
    infrac = Path(sys.executable).parent / "infrac"
    for name in ("infrac-logged", "infrac-other"):
        script = workspace / "bin" / name
        script.write_text(f'#!/bin/sh\necho "{name} $$ $*" >> "{log}"\nexec "{infrac}" "$@"\n', encoding="utf-8")
        script.chmod(0o755)
    job = {
        "folder": str(workspace),
        "settings": settings,
        "restarts": restarts,
        "log": str(log),
        "open": [{"path": str(workspace / "main.infra"), "languageId": "infra", "text": BROKEN}] if open_files else [],
    }
    done = subprocess.run(["node", str(HOST), str(bundle), json.dumps(job)], capture_output=True, text=True, timeout=180)
    report = json.loads(done.stdout) if done.stdout.startswith("{") else {"error": done.stderr}
    assert done.returncode == 0 and "error" not in report, report.get("error")
    assert report["missing"] == [], "the stand-in lacks what the extension used"
    starts = [line.split(" ", 2) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    return report, starts


def test_the_bundle_starts_infrac_lsp_and_restarts_it_on_the_command(bundle, tmp_path):
    command = ["${workspaceFolder}/bin/infrac-logged", "lsp"]
    changed = {"infra.server.command": ["${workspaceFolder}/bin/infrac-other", "lsp"]}
    report, starts = _host(bundle, tmp_path, {"infra.server.command": command}, [None, changed])
    assert report["exports"] == ["activate", "deactivate"]
    assert report["commands"] == ["infra.restartServer"]
    assert report["messages"] == []
    # the configured command, ${workspaceFolder} replaced, with its arguments as they are;
    # started again on each restart, the second time with the setting changed meanwhile
    assert [(name, arguments) for name, _, arguments in starts] == [
        ("infrac-logged", "lsp"), ("infrac-logged", "lsp"), ("infrac-other", "lsp")]
    pids = [pid for _, pid, _ in starts]
    assert len(set(pids)) == 3
    # one server at a time: each restart stopped the one before; deactivation stops the last
    assert report["alive"] == {
        "activate": {pids[0]: True},
        "restart 1": {pids[0]: False, pids[1]: True},
        "restart 2": {pids[0]: False, pids[1]: False, pids[2]: True},
        "deactivate": {pid: False for pid in pids},
    }
    # each server answered: the open file's diagnostics, as `infrac check` gives them
    for step in ("activate", "restart 1", "restart 2"):
        published = [p for p in report["published"] if p["step"] == step and p["messages"]]
        assert published and published[0]["path"] == str(tmp_path / "workspace" / "main.infra"), step
        assert published[0]["codes"] == ["E0402"] and "unknown resource `User`" in published[0]["messages"][0], step
    # and the client registered the server's features
    assert {"Definition", "Hover", "Reference", "Rename", "CompletionItem", "DocumentFormattingEdit"} <= set(
        report["providers"])


def test_the_bundle_says_what_to_do_when_the_server_cannot_start(bundle, tmp_path):
    settings = {"infra.server.command": ["${workspaceFolder}/bin/no-such-infrac", "lsp"]}
    report, starts = _host(bundle, tmp_path, settings, [{"infra.server.command": ["${workspaceFolder}/bin/infrac-logged", "lsp"]}],
                           open_files=False)
    assert starts and [(name, arguments) for name, _, arguments in starts] == [("infrac-logged", "lsp")]
    mine = [m["message"] for m in report["messages"] if m["message"].startswith("infra: ")]
    assert len(mine) == 1 and "no-such-infrac lsp" in mine[0] and "ENOENT" in mine[0], report["messages"]
    assert "`infra.server.command`" in mine[0] and "Restart the language server" in mine[0]
    # fixed and restarted, it runs; deactivation stops it
    assert list(report["alive"]["restart 1"].values()) == [True]
    assert list(report["alive"]["deactivate"].values()) == [False]


def test_the_bundle_starts_nothing_when_disabled(bundle, tmp_path):
    report, starts = _host(bundle, tmp_path, {"infra.server.enabled": False}, [], open_files=False)
    assert starts == [] and report["messages"] == [] and report["providers"] == []
    assert report["commands"] == ["infra.restartServer"]


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

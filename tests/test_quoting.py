"""Every string infrac writes reads back exactly, in every position of both targets,
whoever reads it: PyYAML's safe loader, js-yaml (the copy the pinned Serverless Framework v3
resolves, through tests/js/read_yaml.js, one node process per batch), and the framework
itself, whose variable syntax (``${...}``) must resolve nothing in them.

Strings are generated (hypothesis) from YAML 1.1 and 1.2 specials, ``${`` forms,
``{{resolve:...}}``, control characters and unicode, and put in each position: a generic
resource's property value and map key, a tag's key and value, an export's ``retired``
reason, a rule target's ``input`` as a map and as a string, a consumer's ``environment``
and ``values``. ``INFRAC_QUOTING_EXAMPLES`` sets the number of batches (``make fuzz``
runs more).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, TRIED
from infrac.backends import BuildOptions, backend
from infrac.base.source import SourceFile
from infrac.diagnostics import has_errors
from infrac.project.pipeline import compile_sources

READER = ROOT / "tests" / "js" / "read_yaml.js"
EXAMPLES = int(os.environ.get("INFRAC_QUOTING_EXAMPLES", "8"))
BATCH = 24

YAML_SPECIALS = [
    "1e3", "1E3", "-1e-3", "0o17", "0O17", "017", "0x1F", "0b101", "1_000", "1:20", "190:20:30", "+1", "-0",
    "1.0", ".5", "5.", ".inf", "-.inf", "+.INF", ".nan", ".NaN", "yes", "No", "ON", "off", "y", "Y", "n", "N",
    "true", "False", "NULL", "null", "~", "", " ", " padded ", "trailing ", "=", "<<", "2024-01-01",
    "2024-01-01T10:00:00Z", "2024-1-1 10:00:00", "a: b", "a:b", "- x", "-", "--- x", "...", "? x", "#x", "a #b",
    "!tag", "!!str x", "&anchor", "*alias", "|", ">", "@x", "`x", "%x", "'single'", '"double"', "[a, b]",
    "{a: b}", "a, b", "\\", "\\n", "0", "00", "1", "123456789012345678901234567890",
]
DOLLAR_FORMS = [
    "${self:service}", "${sls:stage}", "${env:HOME}", "${opt:stage}", "${opt:stage, 'dev'}", "${file(./x.yml)}",
    "${file(../x.yml):a}", "${ssm:/a/b}", "${cf:other.Out}", "${aws:accountId}", "${param:x}", "\\${self:service}",
    "\\\\${opt:stage}", "\\\\\\${env:HOME}", "$${self:service}", "${!Literal}", "${AWS::AccountId}", "${Stage}",
    "cost ${x}", "${", "$", "$ {self:service}", "a${self:service}b${sls:stage}", "${self:${sls:stage}}",
    "${strToBool(true)}", "${s3:bucket/key}",
]
RESOLVE_FORMS = ["{{resolve:secretsmanager:db:SecretString:password}}", "{{resolve:ssm:/p}}", "{{x}}", "{", "}"]
CONTROL_AND_UNICODE = [
    "\n", "a\nb", "\t", "a\tb", "\r", "\r\n", "\x00", "\x07", "\x1b[31mred", "\x7f", "\x85", "\u2028", "\u2029",
    "\ufeff", "\u200b", "é", "日本語", "😀", "a😀b", "\U0010FFFF", "\ud7ff",
]
CORPUS = YAML_SPECIALS + DOLLAR_FORMS + RESOLVE_FORMS + CONTROL_AND_UNICODE
ALPHABET = st.sampled_from(list("$\\{}:#-'\"!&*|>%@`~ \t\n\r.,[]?=<+eEoOxXbB_01239yYnNaz") + ["\x00", "\x85", "😀", "é"])
STRINGS = st.one_of(
    st.sampled_from(CORPUS),
    st.text(ALPHABET, max_size=12),
    st.builds(lambda a, b: a + b, st.sampled_from(CORPUS), st.sampled_from(CORPUS)),
    st.text(max_size=8),
)


def infra_string(value: str, braces: bool = True) -> str:
    """``value`` as a .infra string literal; in a string with placeholders, braces are doubled."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char in "{}" and braces:
            out.append(char * 2)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif not char.isprintable() or 0xD800 <= ord(char) <= 0xDFFF:
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def retirable(value: str) -> bool:
    """Whether a retired reason may hold the text (E0311 refuses `$$` and `$\\`)."""
    return not re.search(r"\$[$\\]", value)


def usable_key(value: str) -> bool:
    return bool(value) and value.isprintable()


def project(strings: list[str]) -> str:
    stack, environment, values = [], [], []
    for i, s in enumerate(strings):
        text, prose = infra_string(s), infra_string(s if retirable(s) else "r", braces=False)
        key = infra_string(s, braces=False) if usable_key(s) else f'"key{i}"'
        stack.append(
            f'  resource "AWS::SSM::Parameter" P{i} {{\n'
            f'    properties = {{ Type: "String", Value: {text}, Tags: {{ {key}: "v" }} }}\n'
            f"    export ref {{ retired = {prose} }}\n  }}\n"
            f'  queue Q{i} {{\n    name = "q{i}"\n    tags = {{ {key}: {text} }}\n  }}\n'
            f'  rule R{i} {{\n    schedule = "rate(7 days)"\n    target st.Q{i} {{ input = {{ k: {text} }} }}\n  }}\n'
            f'  rule S{i} {{\n    schedule = "rate(7 days)"\n    target st.Q{i} {{ input = {text} }}\n  }}\n'
        )
        environment.append(f"V{i}: {text}")
        values.append(f"v{i}: {text}")
    return (
        "stack st {\n" + "".join(stack) + "}\n"
        "stack app {\n  environment = { " + ", ".join(environment) + " }\n"
        "  values = { " + ", ".join(values) + " }\n}\n"
    )


def evaluate(value: object) -> object:
    """``Fn::Join`` of strings as CloudFormation evaluates it (the Serverless target writes
    one for a text the framework cannot read back from a single string)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Join"} and all(isinstance(p, str) for p in value["Fn::Join"][1]):
            return value["Fn::Join"][0].join(value["Fn::Join"][1])
        return {k: evaluate(v) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v) for v in value]
    return value


def positions(docs: dict, target: str, i: int) -> dict[str, object]:
    """What the reader read at each position of string ``i``."""
    if target == "cloudformation":
        template, imports = docs["st.yml"], docs["app.imports.yml"]
    else:
        template, imports = docs["st/serverless.yml"]["resources"], docs["app/imports.yml"]
    resources = evaluate(template["Resources"])
    imports = evaluate(imports)
    tags = resources[f"Q{i}"]["Properties"]["Tags"]
    description = template["Outputs"][f"P{i}Name"]["Description"]
    return {
        "property value": resources[f"P{i}"]["Properties"]["Value"],
        "property key": list(resources[f"P{i}"]["Properties"]["Tags"])[0],
        "tag key": tags[0]["Key"],
        "tag value": tags[0]["Value"],
        "retired reason": description.split("; retired: ", 1)[1] if "; retired: " in description else None,
        "input map": _json_value(resources[f"R{i}"]["Properties"]["Targets"][0]["Input"]),
        "input string": resources[f"S{i}"]["Properties"]["Targets"][0]["Input"],
        "environment": imports["environment"][f"V{i}"],
        "values": imports["values"][f"v{i}"],
    }


def _json_value(text: object) -> object:
    return json.loads(text)["k"] if isinstance(text, str) else text  # else what the framework made of it


def expected(s: str, i: int) -> dict[str, str]:
    found = {name: s for name in ("property value", "tag key", "tag value", "retired reason", "input map",
                                  "input string", "environment", "values", "property key")}
    if not usable_key(s):
        found["property key"] = found["tag key"] = f"key{i}"
    if not s:  # an empty reason retires nothing
        found["retired reason"] = None
    elif not retirable(s):
        found["retired reason"] = "r"
    return found


def read_with_js_yaml(texts: list[str]) -> list[dict]:
    process = subprocess.run(
        ["node", str(READER)], input=json.dumps(texts), capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout)


def check_batch(strings: list[str]) -> None:
    strings = list(dict.fromkeys(strings))
    keys = [s if usable_key(s) else None for s in strings]
    strings = [s for j, s in enumerate(strings) if keys[j] is None or keys.index(keys[j]) == j]
    result = compile_sources([SourceFile("main.infra", project(strings))])
    assert result.program is not None and not has_errors(result.diagnostics), [
        d.message for d in result.diagnostics if d.severity.value == "error"
    ][:3]
    files = {}
    for target in ("cloudformation", "serverless"):
        artifacts = backend(target).render(result.program, BuildOptions())
        files.update({(target, a.path): a.text for a in artifacts if a.path.endswith(".yml")})
    read_by_node = dict(zip(files, read_with_js_yaml(list(files.values()))))
    for target in ("cloudformation", "serverless"):
        names = sorted(p for t, p in files if t == target)
        python = {p: yaml.safe_load(files[target, p]) for p in names}
        javascript = {p: read_by_node[target, p] for p in names}
        for p in names:
            assert json.loads(json.dumps(python[p])) == javascript[p]["raw"], f"PyYAML and js-yaml differ on {p}"
        read = python if target == "cloudformation" else {p: javascript[p]["framework"] for p in names}
        for i, s in enumerate(strings):
            got, want = positions(read, target, i), expected(s, i)
            for position in want:
                assert got[position] == want[position], f"{target}, {position}: {s!r} read back as {got[position]!r}"
                TRIED["string x position x target checks"] += 1
    TRIED["strings through every position"] += len(strings)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_corpus_reads_back_exactly_everywhere():
    for start in range(0, len(CORPUS), BATCH * 2):
        check_batch(CORPUS[start : start + BATCH * 2])


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(STRINGS, min_size=1, max_size=BATCH))
def test_generated_strings_read_back_exactly_everywhere(strings):
    check_batch(strings)


CONSUMER = """service: consumer
frameworkVersion: '3'
configValidationMode: error
provider:
  name: aws
  stage: dev
  environment: ${file(../app/imports.yml):environment}
custom:
  values: ${file(../app/imports.yml):values}
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_serverless_print_resolves_nothing_in_a_sample(tmp_path):
    """The framework itself (``serverless print``, offline) reads a sample of the strings in
    every position, including through a consumer's ``${file(...)}`` include of imports.yml."""
    from concurrent.futures import ThreadPoolExecutor

    from infrac.project.outputs import write_outputs
    from test_serverless_package import OFFLINE, SERVERLESS, _no_network_prefix

    sample = list(dict.fromkeys(DOLLAR_FORMS + YAML_SPECIALS[:12] + ["\\", "a\\", "$", "x$"]))
    sample = [s for s in sample if s]
    result = compile_sources([SourceFile("main.infra", project(sample))])
    assert result.ok, [d.message for d in result.diagnostics][:3]
    artifacts = backend("serverless").render(result.program, BuildOptions())
    write_outputs(tmp_path / "out", {a.path: a.text for a in artifacts})
    (tmp_path / "out" / "consumer").mkdir()
    (tmp_path / "out" / "consumer" / "serverless.yml").write_text(CONSUMER)

    def show(service: str) -> dict:
        process = subprocess.run(
            [*_no_network_prefix(), str(SERVERLESS), "print", "--format", "json", "--stage", "dev"],
            cwd=tmp_path / "out" / service, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=300,
        )
        assert process.returncode == 0, process.stdout + process.stderr
        return json.loads(process.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        service, consumer = pool.map(show, ["st", "consumer"])
    docs = {
        "st/serverless.yml": service,
        "app/imports.yml": {"environment": consumer["provider"]["environment"], "values": consumer["custom"]["values"]},
    }
    for i, s in enumerate(sample):
        got, want = positions(docs, "serverless", i), expected(s, i)
        for position in want:
            assert got[position] == want[position], f"serverless print, {position}: {s!r} read as {got[position]!r}"


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab$\\{}: \n"))
def test_serverless_escaping_takes_text_without_a_dollar_as_it_is(text):
    from infrac.backends.escape import Escaped, for_serverless, has_hazard, pieces, serverless_literal, serverless_text

    expected = (
        serverless_literal(text)
        if not has_hazard(text)
        else {"Fn::Join": ["", [serverless_literal(piece) for piece in pieces(text)]]}
    )
    assert serverless_text(text) == expected
    assert for_serverless({"k": [text, Escaped(text)]}) == {"k": [expected, text]}

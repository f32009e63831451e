"""`infrac import` on hostile files: every limit of the reader is a located diagnostic, never
exit 3, and reading takes time in proportion to the file; `--map` and the other file options
read only regular files of a bounded size, and not through a link out of the folder.

The fuzz test mutates the import corpus (YAML and JSON templates and services) in the ways a
hostile file would (huge numbers, deep nesting, aliases, variables that use each other, random
bytes) and imports each result in process; ``INFRAC_IMPORT_FUZZ_EXAMPLES`` sets how many
(``make fuzz`` runs more).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, TRIED, assert_no_traceback, run_infrac
from infrac.diagnostics.codes import CODES
from infrac.tools.migrate.command import prepare

CORPUS = ROOT / "tests" / "import" / "corpus"
EXAMPLES = int(os.environ.get("INFRAC_IMPORT_FUZZ_EXAMPLES", "60"))

QUEUE = "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: {value}\n"


def _import(tmp_path: Path, name: str, text: str | bytes, *more: str):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    started = time.monotonic()
    process = run_infrac("import", name, "--out", "out", *more, cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert_no_traceback(process)
    return process, elapsed


# ---- the reproducers -----------------------------------------------------------------


@pytest.mark.parametrize("name, text", [
    ("template.yml", QUEUE.format(value="1" * 10_000)),
    ("template.json", json.dumps({"Resources": {"Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}}}})
     .replace("{}", '{"VisibilityTimeout": ' + "1" * 10_000 + "}")),
])
def test_an_integer_of_10000_digits_is_a_located_error(tmp_path, name, text):
    """It exited 3."""
    process, _ = _import(tmp_path, name, text)
    assert process.returncode == 1, process.stderr
    assert "E0806" in process.stderr and "a number of 10,000 characters" in process.stderr
    assert f"{name}:5:" in process.stderr or f"{name}:1:" in process.stderr, process.stderr


def test_json_nested_1000_deep_is_a_located_error(tmp_path):
    """It exited 3."""
    text = '{"Resources": {"A": {"Type": "AWS::SQS::Queue", "Metadata": ' + "[" * 1000 + "]" * 1000 + "}}}"
    process, _ = _import(tmp_path, "template.json", text)
    assert process.returncode == 1 and "E0806" in process.stderr and "nest more than 100 levels" in process.stderr
    assert "template.json:1:" in process.stderr


def test_yaml_nested_1000_deep_is_an_error(tmp_path):
    process, _ = _import(tmp_path, "template.yml", "Resources: " + "[" * 1000 + "]" * 1000 + "\n")
    assert process.returncode == 1 and "E0806" in process.stderr


def _doubling_service(levels: int, fan_out: int) -> str:
    lines = ["service: bomb", "provider:", "  name: aws", "custom:", "  v0: abcdefghij"]
    lines += [f"  v{i}: " + f"${{self:custom.v{i - 1}}}" * fan_out for i in range(1, levels + 1)]
    lines += ["resources:", "  Resources:", "    Jobs:", "      Type: AWS::SQS::Queue", "      Properties:",
              f"        QueueName: ${{self:custom.v{levels}}}"]
    return "\n".join(lines) + "\n"


def test_variables_that_expand_into_each_other_stop_at_a_budget(tmp_path):
    """A 1.2 KB service took 15.8 s and 2.8 GB; a 1.4 KB one was killed at 9.2 GB."""
    text = _doubling_service(15, 4)
    assert len(text) < 1500
    process, elapsed = _import(tmp_path, "serverless.yml", text)
    assert process.returncode == 1 and "E0806" in process.stderr, process.stderr
    assert "variables expand to more than" in process.stderr and "serverless.yml:" in process.stderr
    assert elapsed < 30, elapsed


def test_a_template_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    """A 52 MB template did not finish in 120 s."""
    body = "".join(f"  Q{i}:\n    Type: AWS::SQS::Queue\n" for i in range(1_400_000))
    text = "Resources:\n" + body
    assert len(text) > 50_000_000
    process, elapsed = _import(tmp_path, "big.yml", text)
    assert process.returncode == 1 and "E0800" in process.stderr and "more than the 2,097,152 read" in process.stderr
    assert elapsed < 30, elapsed


def test_more_resources_than_the_limit_are_a_located_error(tmp_path):
    text = "Resources:\n" + "".join(f"  Q{i}:\n    Type: AWS::SQS::Queue\n" for i in range(5001))
    process, _ = _import(tmp_path, "many.yml", text)
    assert process.returncode == 1 and "E0806" in process.stderr and "5,001 resources" in process.stderr
    assert "many.yml:1:" in process.stderr


def test_a_map_that_links_out_of_the_folder_is_refused_without_quoting_it(tmp_path):
    """A symlink to a system file printed its first line in the error."""
    (tmp_path / "map.yml").symlink_to("/etc/passwd")
    process, _ = _import(tmp_path, "template.yml", QUEUE.format(value=30), "--map", "map.yml")
    assert process.returncode == 1 and "E0800" in process.stderr
    assert "outside the current folder" in process.stderr
    assert "root:" not in process.stderr + process.stdout


def test_a_map_inside_the_folder_through_a_link_is_read(tmp_path):
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "real.yml").write_text('"AWS::SQS::*": queues\n')
    (tmp_path / "map.yml").symlink_to(tmp_path / "maps" / "real.yml")
    process, _ = _import(tmp_path, "template.yml", QUEUE.format(value=30), "--map", "map.yml")
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "out" / "queues.infra").is_file()


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_map_that_is_a_device_is_refused_at_once(tmp_path, device):
    """`--map /dev/zero` grew to 6.2 GB in 8 s."""
    process, elapsed = _import(tmp_path, "template.yml", QUEUE.format(value=30), "--map", device)
    assert process.returncode == 1 and "E0800" in process.stderr and "not a regular file" in process.stderr
    assert elapsed < 30


def test_a_fifo_given_as_input_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "pipe.yml")
    process = run_infrac("import", "pipe.yml", "--out", "out", cwd=tmp_path)
    assert process.returncode == 1 and "not a regular file" in process.stderr


def test_a_deployed_template_for_plan_move_is_read_within_the_limit(tmp_path):
    process = run_infrac("plan-move", str(ROOT / "infra.dsl"), "--from", "/dev/zero", "--out", "moved", cwd=tmp_path)
    assert_no_traceback(process)
    assert process.returncode != 0 and "not a regular file" in process.stderr


def test_a_huge_number_in_the_map_is_its_error(tmp_path):
    (tmp_path / "map.yml").write_text('"AWS::SQS::*": ' + "9" * 10_000 + "\n")
    process, _ = _import(tmp_path, "template.yml", QUEUE.format(value=30), "--map", "map.yml")
    assert process.returncode == 1 and "E0814" in process.stderr


# ---- fuzz: the corpus, mutated as a hostile file would be ------------------------------------

_FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".yml", ".yaml", ".json"))
_HOSTILE = [
    "9" * 5000, "-" + "1" * 45, "1e99999", "[" * 300 + "]" * 300, "{" * 200, "&a [*a]", "*nothing",
    "${self:custom.loop}", "${self:provider.stage}${self:provider.stage}", "${env:HOME}", "${file(/etc/passwd)}",
    "!Ref", "!!python/object:os.system", "!Unknown x", '"\\ud800"', "\x00", "\t", "\ufeff", "<<: *x", "? [a]\n: b",
]


@st.composite
def hostile_file(draw) -> tuple[str, bytes]:
    source = draw(st.sampled_from(_FILES))
    text = source.read_text()
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["token", "bytes", "alias", "variables", "cut", "duplicate"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        line = lines[at]
        if kind == "token":
            column = draw(st.integers(0, len(line)))
            lines[at] = line[:column] + draw(st.sampled_from(_HOSTILE)) + line[column:]
        elif kind == "bytes":
            lines[at] = line + draw(st.text(max_size=12))
        elif kind == "alias":
            lines[:0] = ["x0: &x0 [a, b, c, d, e, f, g, h, i, j]"] + [
                f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 10) + "]" for i in range(1, draw(st.integers(2, 9)))
            ]
        elif kind == "variables":
            fan = draw(st.integers(2, 5))
            lines[:0] = ["custom:", "  v0: abc"] + [
                f"  v{i}: " + f"${{self:custom.v{i - 1}}}" * fan for i in range(1, draw(st.integers(2, 18)))
            ]
            lines[at] = line + " ${self:custom.v1}"
        elif kind == "cut":
            lines = lines[: at + 1]
        else:
            lines[at:at] = [line] * draw(st.integers(1, 50))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(st.binary(max_size=8)) + data
    return source.name, data


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(sent=hostile_file())
def test_any_hostile_template_or_service_gives_diagnostics_not_an_exception(sent):
    name, data = sent
    TRIED["import inputs"] += 1
    started = time.monotonic()
    prepared = prepare([(name, data)], "out", None, None)
    elapsed = time.monotonic() - started
    for found in prepared.diagnostics:
        assert found.code in CODES, found
        if found.span is not None and found.span.file == name:
            source = prepared.sources.get(name)
            assert source is None or found.span.end <= len(source.text) + 1, found
    assert elapsed < 60, f"{elapsed:.1f} s for {len(data)} bytes"

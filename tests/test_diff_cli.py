"""`infrac diff` as users run it: what it compares with, its formats, --fail-on, bad input."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import SEED, assert_no_traceback, run_infrac
from test_ci import validate_sarif


@pytest.fixture
def project(tmp_path):
    """The seed system, built into build/cfn (its lock beside it), then edited: a queue's
    visibility timeout (a change in place) and a table's key (a replacement)."""
    shutil.copytree(SEED, tmp_path / "infra.dsl")
    assert run_infrac("build", "infra.dsl", "--out", "build/cfn", cwd=tmp_path).returncode == 0
    sqs = tmp_path / "infra.dsl" / "sqs.infra"
    sqs.write_text(sqs.read_text().replace("visibility_timeout = 1m", "visibility_timeout = 2m", 1))
    dynamodb = tmp_path / "infra.dsl" / "dynamodb.infra"
    dynamodb.write_text(dynamodb.read_text().replace("key  = { sessionId: string }", "key  = { id: string }", 1))
    return tmp_path


def test_the_default_is_the_last_builds_record(project):
    process = run_infrac("diff", "infra.dsl", cwd=project)
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith("infrac diff: infra.dsl against infra.dsl/infra.lock (the last build's record)")
    assert "± UserSessionsTable  AWS::DynamoDB::Table  replaced: KeySchema changes" in process.stdout
    assert "VisibilityTimeout" not in process.stdout  # a lock does not record it: the view says so
    assert "other property changes and template sizes show against a build's output folder" in process.stdout


def test_against_the_output_folder_every_property_shows(project):
    process = run_infrac("diff", "infra.dsl", "--against", "build/cfn", cwd=project)
    assert process.returncode == 0, process.stderr
    assert "VisibilityTimeout: 1m -> 2m" in process.stdout
    assert "summary: 0 to add, 1 to change, 1 to replace, 0 to delete" in process.stdout


def test_against_deployed_templates_for_a_stage(project, tmp_path_factory):
    """A template as deployed for stage prod (built with the stage written in), named as
    the deploy guide names stacks: the stage's values compare with the sources' for prod."""
    deployed = tmp_path_factory.mktemp("deployed")
    shutil.copytree(SEED, deployed / "infra.dsl")
    assert run_infrac("build", "infra.dsl", "--out", "prod", "--stage", "prod", "--format", "json",
                      cwd=deployed).returncode == 0
    template = deployed / "prod" / "infrastructure-sqs.json"
    process = run_infrac("diff", "infra.dsl", "--stage", "prod", "--against", f"infrastructure-sqs-prod={template}",
                         "--format", "json", cwd=project)
    assert process.returncode == 0, process.stderr
    document = json.loads(process.stdout)
    assert document["stage"] == "prod" and document["against"]["kind"] == "deployed"
    [stack] = document["stacks"]  # the stack given, and only it
    [queue] = stack["resources"]
    [change] = queue["changes"]
    assert (stack["name"], change["at"], change["old_shown"], change["new_shown"]) == (
        "infrastructure-sqs", "VisibilityTimeout", "1m", "2m")
    # the same template, built from the stage-free sources: the stage is resolved, nothing else differs
    seed = run_infrac("diff", "infra.dsl", "--stage", "prod", "--against", f"infrastructure-sqs-prod={template}",
                      cwd=deployed)
    assert seed.returncode == 0 and "no changes" in seed.stdout, seed.stdout + seed.stderr


def test_against_another_lock(project):
    lock = project / "base.lock"
    shutil.copy(project / "infra.dsl" / "infra.lock", lock)
    process = run_infrac("diff", "infra.dsl", "--against", "base.lock", "--format", "json", cwd=project)
    assert process.returncode == 0, process.stderr
    assert json.loads(process.stdout)["against"] == {
        "kind": "lock", "what": "base.lock", "description": "the last build's record", "sources": "infra.dsl"}


def test_a_rebuild_shows_nothing_in_every_form(project):
    """Built anew (a first build: no lock, no folder), the sources are what the build is."""
    shutil.rmtree(project / "build")
    (project / "infra.dsl" / "infra.lock").unlink()
    assert run_infrac("build", "infra.dsl", "--out", "build/cfn", cwd=project).returncode == 0
    for against in ([], ["--against", "build/cfn"]):
        process = run_infrac("diff", "infra.dsl", *against, "--fail-on", "any", cwd=project)
        assert process.returncode == 0 and "no changes" in process.stdout, process.stdout + process.stderr


def test_fail_on_sets_the_exit_code_and_says_why(project):
    process = run_infrac("diff", "infra.dsl", "--fail-on", "replace,export-removed", cwd=project)
    assert process.returncode == 1
    assert "infrac diff: --fail-on replace,export-removed: infrastructure-dynamodb.UserSessionsTable is replaced" \
        in process.stderr
    assert run_infrac("diff", "infra.dsl", "--fail-on", "delete", cwd=project).returncode == 0
    assert run_infrac("diff", "infra.dsl", "--fail-on", "data-lost", cwd=project).returncode == 1
    assert run_infrac("diff", "infra.dsl", "--fail-on", "refused", cwd=project).returncode == 1
    wrong = run_infrac("diff", "infra.dsl", "--fail-on", "replaced", cwd=project)
    assert wrong.returncode == 2 and "unknown `replaced`" in wrong.stderr


def test_markdown_for_a_pull_request(project):
    process = run_infrac("diff", "infra.dsl", "--against", "build/cfn", "--format", "markdown", cwd=project)
    text = process.stdout
    assert text.startswith("### infrac diff: 0 to add, 1 to change, 1 to replace, 0 to delete\n")
    assert "> [!WARNING]" in text and "**replaced: KeySchema changes**" in text
    assert "```diff\n" in text and text.rstrip().endswith("</details>")


def test_sarif_and_github_annotations_at_the_source_line(project):
    process = run_infrac("diff", "infra.dsl", "--format", "sarif", "--fail-on", "replace", cwd=project)
    assert process.returncode == 1
    document = json.loads(process.stdout)
    validate_sarif(document)
    [result] = document["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("diff/replace", "error")
    region = result["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "infra.dsl/dynamodb.infra" and region["region"]["startLine"] == 18
    assert document["runs"][0]["invocations"][0]["arguments"][:2] == ["diff", "infra.dsl"]
    lines = run_infrac("diff", "infra.dsl", "--format", "github", cwd=project).stdout.splitlines()
    assert len(lines) == 1 and re.match(
        r"::warning file=infra\.dsl/dynamodb\.infra,line=18,col=5,endLine=18,endColumn=\d+,title=infrac diff%3A ",
        lines[0])


def test_output_to_a_file(project):
    process = run_infrac("diff", "infra.dsl", "--format", "json", "--output", "diff.json", cwd=project)
    assert process.returncode == 0 and process.stdout == ""
    assert json.loads((project / "diff.json").read_text())["version"] == 1


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (["--against", "missing"], "error[E0800]: cannot read `missing`"),
        (["--against", "broken.yml"], "error[E0801]"),
        (["--against", "bad.lock"], "error[E0006]"),
        (["--stage", "prod"], "--stage is for deployed templates"),
        (["--against", "x.yml", "--stage", "qa"], "unknown stage `qa`"),
    ],
)
def test_bad_input_is_a_located_error_not_a_traceback(project, arguments, says):
    (project / "broken.yml").write_text("Resources: [\n")
    (project / "bad.lock").write_text('{"generator": "infrac", "exports": 5}')
    (project / "x.yml").write_text("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    process = run_infrac("diff", "infra.dsl", *arguments, cwd=project)
    assert_no_traceback(process)
    assert process.returncode in (1, 2) and says in process.stderr, process.stderr


def test_errors_in_the_sources_are_reported_as_check_reports_them(project):
    (project / "infra.dsl" / "sqs.infra").write_text("stack {\n")
    process = run_infrac("diff", "infra.dsl", cwd=project)
    assert process.returncode == 1 and "error[E01" in process.stderr and process.stdout == ""


def test_colour_on_a_terminal_only(project):
    """`--color auto` colours on a terminal only (the tests' stdout is a pipe); `always` and
    `never` force it; NO_COLOR turns `auto` off."""
    plain = run_infrac("diff", "infra.dsl", cwd=project).stdout
    coloured = run_infrac("diff", "infra.dsl", "--color", "always", cwd=project).stdout
    assert "\x1b[" not in plain and "\x1b[35m    ± UserSessionsTable\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain
    assert "\x1b[" not in run_infrac("diff", "infra.dsl", "--color", "never", cwd=project).stdout

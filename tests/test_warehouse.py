"""The second monolith, examples/warehouse/, from its deployed stack to the split, end to end.

Unlike examples/monolith, it has local secondary indexes, one dead-letter queue shared by two
queues, a bucket policy written with ``Fn::Sub`` variable maps, log groups (its own and the
framework's), a ``Custom::`` resource backed by one of its functions, and an EventBridge rule
with an input transformer. The path an operator takes:

1. the service as deployed: the template the Serverless Framework v3 CLI packages from it;
2. ``infrac import --split-by type --map stacks.yml``: the .infra sources, and the service
   rewritten to import what moved (under ``--out``; copied into the service's folder);
3. the new service packaged by the framework, the plan made (``--consumer``), the pins it asks
   for applied to the service and the service packaged again;
4. ``plan.sh`` run to the end against the stand-in ``aws`` (and ``serverless``) commands, on an
   account holding the deployed stack with data in every stateful resource.

Every table, queue, bucket and log group keeps its data, and nothing deployed is deleted that
the plan does not list.
"""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import pytest
import yaml

from aws_stand_in import new_state
from conftest import ROOT, run_infrac
from infrac.tools.migrate.rehearsal import with_stand_ins
from infrac.tools.migrate.simulator import Account
from test_cfn_lint import cfn_lint
from test_plan_script import read, run_script
from test_serverless_package import OFFLINE, SERVERLESS, _no_network_prefix

EXAMPLE = ROOT / "examples" / "warehouse"
PACKAGED = ".serverless/cloudformation-template-update-stack.json"


def package(service: Path, config: str = "serverless.yml") -> dict:
    """The template the Serverless Framework packages from a service file, offline."""
    import os
    import subprocess

    folder = service.parent / f"packaged-{config}"
    process = subprocess.run(
        [*_no_network_prefix(), str(SERVERLESS), "package", "--stage", "dev", "--config", config,
         "--package", str(folder)],
        cwd=service, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return json.loads((folder / "cloudformation-template-update-stack.json").read_text())


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Steps 1 to 3: the deployed template, the import, the plan, the pinned service packaged."""
    assert SERVERLESS.exists(), "the Serverless Framework CLI is missing: run `make test`, which runs `npm ci`"
    root = tmp_path_factory.mktemp("warehouse")
    shutil.copytree(EXAMPLE, root / "warehouse")
    service = root / "warehouse" / "fulfilment"
    (root / "deployed").mkdir()
    imported = run_infrac("import", "warehouse/fulfilment/serverless.yml", "--split-by", "type",
                          "--map", "warehouse/stacks.yml", "--out", "infra", cwd=root)
    assert imported.returncode == 0, imported.stderr
    assert "and resolves its services' references" in imported.stdout
    shutil.copy(root / "infra" / "services" / "fulfilment" / "serverless.infrac.yml", service)
    built = run_infrac("build", "infra", "--target", "serverless", "--out", "infra/build", cwd=root)
    assert built.returncode == 0, built.stderr
    # one at a time: the framework works in the service's .serverless/ whatever --package says
    deployed, future = package(service, "serverless.yml"), package(service, "serverless.infrac.yml")
    (root / "deployed" / "fulfilment-dev.json").write_text(json.dumps(deployed, indent=2))
    (root / "deployed" / "fulfilment-next.json").write_text(json.dumps(future, indent=2))
    planned = run_infrac("plan-move", "infra", "--from", "fulfilment-dev=deployed/fulfilment-dev.json",
                         "--consumer", "fulfilment-dev=deployed/fulfilment-next.json", "--out", "plan", cwd=root)
    assert planned.returncode == 0, planned.stderr
    # the pins the plan asks for, applied to the new service as plan.md says, then packaged again
    document = json.loads((root / "plan" / "plan.json").read_text())
    pins = document["pins"]
    new = yaml.safe_load((service / "serverless.infrac.yml").read_text())
    for pin in pins:
        events = new["functions"][pin["function"]]["events"]
        new["functions"][pin["function"]]["events"] = [e for e in events if "sqs" not in e and "stream" not in e]
    pinned = yaml.safe_load((root / "plan" / "consumers" / "fulfilment-dev.pinned.yml").read_text())
    new["resources"]["Resources"].update(pinned["Resources"])
    (service / "serverless.infrac.yml").write_text(yaml.safe_dump(new, sort_keys=False))
    (root / "deployed" / "fulfilment-pinned.json").write_text(json.dumps(package(service, "serverless.infrac.yml")))
    return root


def account_holding(template: dict) -> Account:
    account = Account("eu-central-1")
    account.deploy("fulfilment-dev", with_stand_ins(template)[0])
    for physical in account.physical.values():
        physical.data.append(f"data of {physical.identifier}")
    return account


def test_the_import_splits_the_warehouse_and_keeps_what_refers_to_the_framework_in_the_service(warehouse):
    infra = warehouse / "infra"
    assert sorted(p.name for p in infra.glob("*.infra")) == [
        "fulfilment.infra", "infrastructure-dynamodb.infra", "infrastructure-eventbridge.infra",
        "infrastructure-logs.infra", "infrastructure-s3.infra", "infrastructure-sqs.infra", "project.infra"]
    service = yaml.safe_load((infra / "services" / "fulfilment" / "serverless.infrac.yml").read_text())
    # the custom resource runs the service's own function: it stays, its table reference imported
    assert list(service["resources"]["Resources"]) == ["LocationsSeed"]
    assert service["resources"]["Resources"]["LocationsSeed"]["Properties"]["Table"].startswith("${file(")
    # the variable map of Fn::Sub keeps its own name, its value imported
    prefix = service["provider"]["environment"]["LABELS_PREFIX"]["Fn::Sub"]
    assert prefix[0] == "s3://${Bucket}/labels/" and prefix[1]["Bucket"].startswith("${file(")
    assert "LabelsBucketPolicy" in (infra / "infrastructure-s3.infra").read_text()
    rules = (infra / "infrastructure-eventbridge.infra").read_text()
    assert "InputTransformer" in rules and "byUpdatedAt" in (infra / "infrastructure-dynamodb.infra").read_text()


def test_the_new_service_packages_and_passes_cfn_lint_with_every_template_of_the_plan(warehouse):
    """No reference to a moved resource is left in the packaged service (cfn-lint E1019, E3005...)."""
    packaged = warehouse / "deployed" / "fulfilment-pinned.json"
    template = json.loads(packaged.read_text())
    assert not {r["Type"] for r in template["Resources"].values()} & {
        "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::Events::Rule"}
    templates = sorted((warehouse / "plan" / "templates").rglob("*.json"))
    templates = [t for t in templates if t.name != "resource-mappings.json" and "previous" not in t.parts]
    lint = cfn_lint(packaged, *templates)
    assert lint.returncode == 0, lint.stdout


def test_plan_sh_runs_to_the_end_and_every_table_queue_bucket_and_log_group_keeps_its_data(warehouse, tmp_path):
    deployed = json.loads((warehouse / "deployed" / "fulfilment-dev.json").read_text())
    state = tmp_path / "state" / "account.pickle"
    state.parent.mkdir()
    service = str((warehouse / "warehouse" / "fulfilment").resolve())
    state.write_bytes(pickle.dumps(new_state(account_holding(deployed), {service: "fulfilment-dev"})))
    process = run_script(warehouse, state, YES="1",
                         AWS_STAND_IN_PACKAGED_fulfilment_dev=str(warehouse / "deployed" / "fulfilment-pinned.json"))
    assert process.returncode == 0, process.stdout + process.stderr
    assert "done: every step of the plan ran" in process.stdout
    result = read(state)
    account = result["account"]
    # the consumer's step ran the framework in the service's folder with the new service file
    (deploy,) = [c for c in result["calls"] if c["argv"][0] == "serverless"]
    assert deploy["argv"] == ["serverless", "deploy", "--config", "serverless.infrac.yml", "--stage", "dev"]
    assert deploy["cwd"] == service
    # every stateful resource of the deployed stack still exists, in its stack, with its data
    document = json.loads((warehouse / "plan" / "plan.json").read_text())
    where = {(m["from"]["stack"], m["from"]["logical_id"]): (m["to"]["stack"], m["to"]["logical_id"])
             for m in document["moves"]}
    stateful = [(r["stack"], r["logical_id"]) for r in document["resources"] if r["stateful"]]
    assert len(stateful) == 11  # 2 tables, 3 queues, the labels and deployment buckets, 4 log groups
    for old in stateful:
        stack, logical_id = where.get(old, old)
        physical = account.resource(stack, logical_id)
        assert physical.data == [f"data of {physical.identifier}"], (old, stack, logical_id)
    # nothing is deleted or replaced that the plan does not list as going
    listed = {(r["stack"], r["logical_id"]) for r in document["resources"]
              if r["fate"] in ("deleted", "recreated", "replaced")}
    gone = {(e.stack, e.logical_id) for e in account.events if e.action in ("delete", "replace")}
    assert gone <= listed, gone - listed
    assert not any(e.logical_id == "LocationsSeed" and e.action != "create" for e in account.events)


def test_plan_move_packages_the_new_service_itself_with_the_framework_it_is_given(warehouse, tmp_path):
    """Without --consumer, plan-move runs the framework (`--serverless COMMAND`) in the service's
    folder with the stack's service file: the same moves and fates as from the template given."""
    import os
    import shlex

    given = json.loads((warehouse / "plan" / "plan.json").read_text())
    command = shlex.join([*_no_network_prefix(), str(SERVERLESS)])
    shutil.copy(warehouse / "infra" / "services" / "fulfilment" / "serverless.infrac.yml",
                warehouse / "warehouse" / "fulfilment" / "unpinned.yml")
    try:
        service = warehouse / "warehouse" / "fulfilment" / "serverless.infrac.yml"
        pinned = service.read_text()
        shutil.copy(service.with_name("unpinned.yml"), service)  # the service as the import wrote it
        process = run_infrac("plan-move", str(warehouse / "infra"), "--from",
                             f"fulfilment-dev={warehouse / 'deployed' / 'fulfilment-dev.json'}",
                             "--serverless", command, "--out", str(tmp_path / "plan"), env={**os.environ, **OFFLINE})
    finally:
        service.write_text(pinned)
    assert process.returncode == 0, process.stderr
    packaged = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert packaged["moves"] == given["moves"]
    assert [(r["stack"], r["logical_id"], r["fate"]) for r in packaged["resources"]] == [
        (r["stack"], r["logical_id"], r["fate"]) for r in given["resources"]]
    assert packaged["pins"] == given["pins"]

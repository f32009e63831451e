"""`infrac diff` on a series of edits to the seed system (tests/diff/<edit>/), each compared
with the seed's build: against its output folder (the view, the JSON and the Markdown) and
against its infra.lock (the view). `INFRAC_UPDATE=1` rewrites expected/; read the diff.

Each edit is `edit.json`: `replace` (exact texts, each found once in its file) and `files`
(new files). The same edits are deployed into infrac's CloudFormation simulator: what the
diff calls a replacement, a deletion or a refusal is what the simulator does.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, SEED, UPDATE
from infrac.base.source import SourceFile

EDITS = ROOT / "tests" / "diff"


def edit_names() -> list[str]:
    return sorted(p.name for p in EDITS.iterdir() if (p / "edit.json").is_file())


def seed_files() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEED.glob("*.infra"))}


def edited(name: str) -> dict[str, str]:
    """The seed's sources with one edit made."""
    spec = json.loads((EDITS / name / "edit.json").read_text(encoding="utf-8"))
    files = seed_files()
    for change in spec.get("replace", []):
        text = files[change["file"]]
        assert text.count(change["old"]) == 1, (name, change["file"], change["old"][:60])
        files[change["file"]] = text.replace(change["old"], change["new"])
    files.update(spec.get("files", {}))
    return files


class Compiled:
    def __init__(self, files: dict[str, str]) -> None:
        from infrac.project.pipeline import check_project

        self.sources = [SourceFile(f"infra.dsl/{name}", text) for name, text in sorted(files.items())]
        checked = check_project(self.sources)
        assert checked.linkage is not None, [d.message for d in checked.diagnostics]
        self.program, self.linkage = checked.program, checked.linkage
        self.by_path = {s.path: s for s in self.sources}

    def folder(self, target: str = "cloudformation", form: str = "yaml", stage: str | None = None) -> dict[str, str]:
        """What `infrac build` writes into its output folder (the manifest aside)."""
        from infrac.backends import BuildOptions, backend

        return {a.path: a.text for a in backend(target).render(self.program, BuildOptions(stage=stage, format=form))}

    def lock(self) -> str:
        from infrac.contract import lockfile, replacement

        return lockfile.render(self.linkage, replacement.record(self.program))

    def diff(self, against, lock: str | None = None) -> dict:
        from infrac.tools.diff.command import compare

        document, problems = compare(self.program, self.linkage, self.by_path, against, "infra.dsl", lock_text=lock)
        assert document is not None and not problems, problems
        return document


def against_folder(files: dict[str, str]):
    from infrac.tools.diff.command import Against

    return Against("folder", "build/cfn", files=files)


def against_lock(text: str):
    from infrac.tools.diff.command import Against

    return Against("lock", "infra.dsl/infra.lock", text=text)


_SEED: dict[str, Compiled] = {}


def seed() -> Compiled:
    if "seed" not in _SEED:
        _SEED["seed"] = Compiled(seed_files())
    return _SEED["seed"]


def outputs(name: str) -> dict[str, str]:
    from infrac.tools.diff import document, render

    base = seed()
    now = Compiled(edited(name))
    full = now.diff(against_folder(base.folder()), base.lock())
    by_lock = now.diff(against_lock(base.lock()))
    return {
        "folder.txt": render.render_text(full),
        "folder.json": document.to_json(full),
        "folder.md": render.render_markdown(full),
        "lock.txt": render.render_text(by_lock),
    }


@pytest.mark.parametrize("name", edit_names())
def test_edit(name: str) -> None:
    actual = outputs(name)
    expected_folder = EDITS / name / "expected"
    if UPDATE:
        shutil.rmtree(expected_folder, ignore_errors=True)
        expected_folder.mkdir()
        for relative, text in actual.items():
            (expected_folder / relative).write_text(text, encoding="utf-8")
        return
    for relative, text in actual.items():
        assert (expected_folder / relative).read_text(encoding="utf-8") == text, f"tests/diff/{name}/expected/{relative}"


# ---- what the Done-when names, said outright ---------------------------------------------------


def test_a_rebuild_shows_nothing():
    from infrac.tools.diff import render

    base = seed()
    for document in (base.diff(against_folder(base.folder()), base.lock()), base.diff(against_lock(base.lock()))):
        assert document["stacks"] == [] and document["summary"]["replace"] == 0
        assert "no changes" in render.render_text(document)


def test_a_table_key_change_is_a_replacement_naming_the_key_and_the_data_lost():
    view = outputs("02-table-key-replacement")
    for name in ("folder.txt", "lock.txt"):
        assert "± UserSessionsTable  AWS::DynamoDB::Table  replaced: KeySchema changes" in view[name]
        assert "data lost: its items are not copied to the new table" in view[name]
    [stack] = json.loads(view["folder.json"])["stacks"]
    [table] = stack["resources"]
    assert (table["action"], table["replacing"], table["lost"][0]) == ("replace", ["KeySchema"], "data")
    assert table["location"]["file"] == "infra.dsl/dynamodb.infra"


def test_values_show_as_the_source_writes_them():
    view = outputs("01-property-change")["folder.txt"]
    assert "VisibilityTimeout: 1m -> 2m" in view
    assert "infra.dsl/sqs.infra:8:5  visibility_timeout = 2m" in view


def test_equal_values_never_show_as_changes():
    """Key order, YAML spelling (a number as a string, `true` as text), Fn::Sub against
    Fn::Join, Tags in another order: the same by meaning."""
    from infrac.tools.diff.canon import Canon
    from infrac.tools.diff.engine import changes

    canon = Canon()
    old = {"Properties": {"A": 60, "B": True, "C": {"Fn::Sub": "a-${Stage}-${X.Arn}"},
                          "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                          "D": {"Fn::GetAtt": "X.Arn"}, "E": {"Ref": "AWS::NoValue"}}}
    new = {"Properties": {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": 1}], "B": "true", "A": "60",
                          "C": {"Fn::Join": ["", ["a-", {"Ref": "Stage"}, "-", {"Fn::GetAtt": ["X", "Arn"]}]]},
                          "D": {"Fn::GetAtt": ["X", "Arn"]}}}
    assert changes(old, new, canon) == []
    assert changes({"A": {"Fn::Sub": "core-${Stage}-users"}}, {"A": "core-dev-users"}, Canon("dev")) == []
    assert [c.path for c in changes(old, {**new, "Properties": {**new["Properties"], "A": 61}}, canon)] == [
        ("Properties", "A")]


def test_the_json_document_is_versioned_and_every_change_is_located():
    document = json.loads(outputs("01-property-change")["folder.json"])
    assert document["version"] == 1 and document["generator"] == "infrac"
    changed = [c for s in document["stacks"] for r in s["resources"] for c in r["changes"]]
    assert changed and all(c["source"]["location"]["line"] >= 1 for c in changed)


# ---- the simulator agrees --------------------------------------------------------------------


def simulate(old: Compiled, new: Compiled, stage: str = "dev") -> tuple[dict[str, list], str | None]:
    """Deploy the old build, then the new one, wave by wave, into the simulator: the events
    per stack, and the first refusal's stack and message (then the rest is not deployed)."""
    from infrac.tools.migrate.simulator import Account
    from infrac.tools.migrate.simulator.model import Refused
    from infrac.tools.rehearse import templates

    account = Account(old.program.settings.region)
    for wave in old.program.waves:
        for name, template in ((n, templates(old.program, stage).get(n)) for n in wave):
            if template is not None:
                account.deploy(name, template)
    events: dict[str, list] = {}
    after = templates(new.program, stage)
    for wave in new.program.waves:
        for name in wave:
            if name in after:
                try:
                    events[name] = account.deploy(name, after[name])
                except Refused as refusal:
                    return events, f"{name}: {refusal}"
    for name in templates(old.program, stage):
        if name not in after:
            events[name] = account.delete_stack(name)
    return events, None


@pytest.mark.parametrize("name", edit_names())
def test_the_simulator_does_what_the_diff_says(name: str) -> None:
    base, now = seed(), Compiled(edited(name))
    document = now.diff(against_folder(base.folder()), base.lock())
    events, refused = simulate(base, now)
    assert_agree(document, events, refused, deployed(base, now))


def deployed(*builds: Compiled) -> set[str]:
    """The stacks the simulator deploys: those with a template."""
    from infrac.tools.rehearse import templates

    return {name for build in builds for name in templates(build.program, "dev")}


def assert_agree(document: dict, events: dict[str, list], refused: str | None, deployed: set[str]) -> None:
    """Replacements, deletions, retained resources and refusals: the diff's and the simulator's.
    The simulator deploys the stacks that have templates (``deployed``): a refusal the diff
    sees only because a consumer (a service of its own) imports an export is not simulated."""

    def simulated(resource: dict) -> bool:
        text = resource.get("refused") or ""
        by_name = "custom-named" in text or "is taken" in text or "refused by the service" in text
        return by_name or any(set(e["importers"]) & deployed for e in resource.get("exports_in_use", []))

    said_refused = {(s["name"], r["logical_id"]) for s in document["stacks"] for r in s["resources"]
                    if r.get("refused") and simulated(r)}
    said_refused |= {(s["name"], e["name"]) for s in document["stacks"] for e in s["exports"]
                     if e["action"] == "change" and set(e["importers"]) & deployed}
    in_use = {s["name"] for s in document["stacks"] for e in s["exports"] if e["action"] == "remove" and e["importers"]}
    if refused is not None:
        stack = refused.split(":", 1)[0]
        assert any(s == stack for s, _ in said_refused) or stack in in_use, (refused, said_refused)
    else:
        assert not said_refused, said_refused
    for stack in document["stacks"]:
        happened = events.get(stack["name"])
        if happened is None:
            continue  # not deployed: an earlier stack was refused
        by_id: dict[str, set[str]] = {}
        for event in happened:
            by_id.setdefault(event.logical_id, set()).add(event.action)
        for resource in stack["resources"]:
            done = by_id.get(resource["logical_id"], set())
            if resource["action"] == "replace" and not resource.get("renamed_from"):
                assert "create" in done and (done & {"replace", "retain"}), (resource["logical_id"], done)
                assert ("retain" in done) == resource["retained"], resource["logical_id"]
            elif resource["action"] == "replace":
                assert "create" in done and by_id.get(resource["renamed_from"], set()) & {"delete", "retain"}
            elif resource["action"] == "delete":
                assert done & {"delete", "retain"} and ("retain" in done) == resource["retained"], done
            elif resource["action"] == "add":
                assert "create" in done
        replaced = {r["logical_id"] for r in stack["resources"] if r["action"] == "replace"}
        renamed = {r["renamed_from"] for r in stack["resources"] if r.get("renamed_from")}
        for logical_id, done in by_id.items():
            if done & {"replace"} or (done & {"retain"} and "create" in done):
                assert logical_id in replaced, (stack["name"], logical_id, done)
            if done & {"delete"} and logical_id not in renamed:
                assert any(r["logical_id"] == logical_id and r["action"] == "delete" for r in stack["resources"])


def test_the_review_page_shows_a_real_view():
    """docs/review.md's example is what infrac prints for the table key edit."""
    page = (ROOT / "docs" / "review.md").read_text(encoding="utf-8")
    shown = page.split("### Reading the view\n", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert shown == (EDITS / "02-table-key-replacement" / "expected" / "folder.txt").read_text(encoding="utf-8")

"""Replacement awareness on the seed system: infra.lock records what a change would replace.

Each test edits a copy of infra.dsl/ the way a user would and runs `infrac check`
on it, with the committed infra.lock beside it.
"""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import SEED, assert_no_traceback, run_infrac


@pytest.fixture
def seed_copy(tmp_path):
    shutil.copytree(SEED, tmp_path / "infra.dsl")
    return tmp_path / "infra.dsl"


def edit(folder, file: str, old: str, new: str) -> None:
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_seed_lock_records_replacing_values():
    lock = json.loads((SEED / "infra.lock").read_text(encoding="utf-8"))
    users = lock["resources"]["infrastructure-dynamodb"]["UsersTable"]
    assert users["replacing"]["KeySchema"] == [{"AttributeName": "userId", "KeyType": "HASH"}]
    assert users["replacing"]["TableName"] == "core-{stage}-users"
    assert lock["resources"]["infrastructure-sqs"]["BookingCommandsQueue"]["replacing"]["FifoQueue"] is True


@pytest.mark.parametrize(
    "file, old, new, says",
    [
        ("dynamodb.infra", "key                   = { userId: string }", "key                   = { id: string }",
         "this change replaces `UsersTable`: `KeySchema` changes"),
        ("sqs.infra", 'name               = "core-{stage}-booking-commands.fifo"\n    fifo               = true',
         'name               = "core-{stage}-booking-commands"\n    fifo               = false',
         "this change replaces `BookingCommandsQueue`: `FifoQueue` changes from `true` to not set"),
        ("s3.infra", 'name                   = "core-{stage}-uploads"', 'name                   = "core-{stage}-files"',
         "this change replaces `UploadsBucket`: `BucketName` changes"),
    ],
    ids=["table-key", "queue-fifo", "bucket-name"],
)
def test_a_replacing_change_fails_check(seed_copy, file, old, new, says):
    edit(seed_copy, file, old, new)
    if file == "sqs.infra":  # what only a FIFO queue has goes with the flag
        edit(seed_copy, file, 'name         = "core-{stage}-booking-commands-dlq.fifo"',
             'name         = "core-{stage}-booking-commands-dlq"')
        edit(seed_copy, file, '    fifo               = false\n    content_dedup      = true\n', '')
        edit(seed_copy, "eventbridge.infra", 'BookingCommandsQueue { message_group = "bookings" }',
             "BookingCommandsQueue {}")
    process = run_infrac("check", str(seed_copy))
    assert_no_traceback(process)
    assert process.returncode == 1, process.stderr
    assert "error[E0720]: " + says in process.stderr, process.stderr


def test_acknowledging_the_replacement_makes_it_a_warning(seed_copy):
    edit(seed_copy, "s3.infra", 'name                   = "core-{stage}-uploads"',
         'name                   = "core-{stage}-files"\n    replace = "the objects were copied to the new bucket"')
    process = run_infrac("check", str(seed_copy))
    assert process.returncode == 0, process.stderr
    assert "warning[W0720]: this change replaces `UploadsBucket`" in process.stderr


def test_a_lock_without_the_record_still_reads(seed_copy):
    """Locks written before the record existed: exports still compared, no replacement found."""
    lock = json.loads((seed_copy / "infra.lock").read_text(encoding="utf-8"))
    del lock["resources"]
    (seed_copy / "infra.lock").write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    edit(seed_copy, "s3.infra", 'name                   = "core-{stage}-uploads"', 'name                   = "core-{stage}-files"')
    process = run_infrac("check", str(seed_copy))
    assert process.returncode == 0, process.stderr
    assert "W0720" not in process.stderr and "E0720" not in process.stderr


def test_a_hand_edited_record_is_read_without_failing(seed_copy):
    lock = json.loads((seed_copy / "infra.lock").read_text(encoding="utf-8"))
    tables = lock["resources"]["infrastructure-dynamodb"]
    tables["UsersTable"]["replacing"] = "not a map"
    tables["OrdersTable"] = ["not", "an", "entry"]
    lock["resources"]["infrastructure-sqs"] = 42
    (seed_copy / "infra.lock").write_text(json.dumps(lock, indent=2) + "\n", encoding="utf-8")
    process = run_infrac("check", str(seed_copy))
    assert_no_traceback(process)
    assert process.returncode == 0, process.stderr


def test_the_linker_finds_imports_and_reads_in_one_walk_as_each_finds_them():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from infrac.contract.linker import _links_in, imports_in, reads_in

    names = st.sampled_from(["a", "b", "StackName", "OutputName", "Fn::Sub"])
    leaves = st.one_of(names, st.integers(), st.none())
    intrinsic = st.one_of(
        st.builds(lambda v: {"Fn::ImportValue": v}, st.one_of(names, st.builds(lambda n: {"Fn::Sub": n}, names))),
        st.builds(lambda s, o: {"Fn::GetStackOutput": {"StackName": s, "OutputName": o}}, names, names),
    )
    documents = st.recursive(
        st.one_of(leaves, intrinsic),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(["Fn::GetStackOutput", "k", "x"]), inner, max_size=3),  # any GetStackOutput form
        ),
        max_leaves=20,
    )

    @settings(max_examples=300, deadline=None)
    @given(document=documents)
    def same(document):
        imports, reads = [], []
        _links_in(document, imports, reads)
        assert (imports, reads) == (imports_in(document), reads_in(document))

    same()

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

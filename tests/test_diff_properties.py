"""`infrac diff`'s properties, on random series of edits to the seed system: a build diffed
against itself shows nothing; the diff applied to the old templates gives the new ones
(compared by meaning); and what the diff calls a replacement, a deletion or a refusal is
what infrac's CloudFormation simulator does with the same two builds.

`make test` tries a few series (INFRAC_DIFF_EXAMPLES, default 5); `make fuzz` many more.
"""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from conftest import TRIED
from test_diff import Compiled, against_folder, against_lock, assert_agree, deployed, seed, seed_files, simulate

EXAMPLES = int(os.environ.get("INFRAC_DIFF_EXAMPLES", "5"))


def _sub(files: dict[str, str], file: str, pattern: str, replacement: str, number: int) -> dict[str, str]:
    """The ``number``-th match of ``pattern`` in ``file`` replaced (modulo the matches)."""
    text = files[file]
    matches = list(re.finditer(pattern, text, re.M))
    if not matches:
        return files
    match = matches[number % len(matches)]
    return {**files, file: text[: match.start()] + match.expand(replacement) + text[match.end():]}


# Each edit: (what it does, a function of the files and a number that picks where).
EDITS = {
    "visibility timeout": lambda f, n: _sub(f, "sqs.infra", r"visibility_timeout = \w+",
                                            ["visibility_timeout = 2m", "visibility_timeout = 45s",
                                             "visibility_timeout = 10m"][n % 3], n),
    "receive count": lambda f, n: _sub(f, "sqs.infra", r"max_receives = \d+", f"max_receives = {2 + n % 7}", n),
    "table key": lambda f, n: _sub(f, "dynamodb.infra", r"key(\s+)= \{ (\w+): string", r"key\1= { \2Id: string", n),
    "table name": lambda f, n: _sub(f, "dynamodb.infra", r'name(\s+)= "core-\{stage\}-([a-z-]+)"',
                                    r'name\1= "core-{stage}-\2-v2"', n),
    "queue name": lambda f, n: _sub(f, "sqs.infra", r'name(\s+)= "core-\{stage\}-([a-z-]+)\.fifo"',
                                    r'name\1= "core-{stage}-\2-next.fifo"', n),
    "logical ID": lambda f, n: _sub(f, "dynamodb.infra", r"  table (\w+)Table \{\n", r'  table \1Table {\n    id = "\1V2"\n', n),
    "retain": lambda f, n: _sub(f, "dynamodb.infra", r"    deletion_policy(\s+)= retain\n    update_replace_policy(\s+)= retain\n",
                                "", n),
    "tag": lambda f, n: _sub(f, "dynamodb.infra", r'tags(\s+)= \{ service: "core"', r'tags\1= { team: "t{n}", service: "core"'
                             .replace("{n}", str(n % 3)), n),
    "pitr": lambda f, n: _sub(f, "dynamodb.infra", r"  table (\w+) \{\n", r"  table \1 {\n    pitr = false\n", n),
    "new queue": lambda f, n: {**f, "sqs.infra": f["sqs.infra"].replace(
        "stack infrastructure-sqs {\n",
        f'stack infrastructure-sqs {{\n  queue Extra{n % 3}Queue {{\n    name = "core-{{stage}}-extra-{n % 3}"\n'
        "    export name, url, arn\n  }\n\n", 1)},
    "rule removed": lambda f, n: _sub(f, "eventbridge.infra", r"  rule (\w+) \{\n(    .*\n)+  \}\n\n?", "", n),
    "rule pattern": lambda f, n: _sub(f, "eventbridge.infra", r'detail-type: \["(\w+)"', r'detail-type: ["\1", "Other"', n),
}


#: A series: the edits' names, each with the number that picks where it applies.
SERIES = st.lists(st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 40)), min_size=1, max_size=3)


def made(series: list[tuple[str, int]]) -> dict[str, str]:
    files = seed_files()
    for name, number in series:
        files = EDITS[name](files, number)
    return files


def compiled_or_none(files: dict[str, str]) -> Compiled | None:
    try:
        return Compiled(files)
    except AssertionError:  # an edit this series made is one the language refuses: not a case
        return None


def read_back(files: dict[str, str]) -> dict[str, dict]:
    from infrac.tools.diff.sides import read_folder

    side, problems = read_folder(files, None)
    assert not problems
    return {name: stack.template for name, stack in side.stacks.items() if stack.template is not None}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SERIES)
@example([("table name", 0), ("queue name", 20), ("logical ID", 0)])  # a replaced queue's URL export is in use
def test_the_diff_of_random_edits(names):
    from infrac.tools.diff.canon import Canon
    from infrac.tools.diff.document import apply

    now = compiled_or_none(made(names))
    assume(now is not None)
    TRIED["diff edit series"] += 1
    base = seed()
    # a build diffed against itself shows nothing, whatever it is compared through
    assert now.diff(against_folder(now.folder()), now.lock())["stacks"] == [], names
    assert now.diff(against_lock(now.lock()))["stacks"] == [], names
    # the diff applied to the old templates gives the new ones
    old_files, new_files = base.folder(), now.folder()
    document = now.diff(against_folder(old_files), base.lock())
    applied, wanted = apply(read_back(old_files), document), read_back(new_files)
    canon = Canon()
    assert sorted(applied) == sorted(wanted), names
    for stack in wanted:
        assert canon(applied[stack]) == canon(wanted[stack]), (names, stack)
    # the simulator does what the diff says
    events, refused = simulate(base, now)
    assert_agree(document, events, refused, deployed(base, now))


def test_a_build_diffed_against_itself_in_every_form_shows_nothing():
    """The seed system as each target, format and stage writes it, diffed with itself."""
    from infrac.tools.diff.command import Against

    base = seed()
    for target, form, stage in (("cloudformation", "json", None), ("cloudformation", "yaml", "prod"),
                                ("serverless", "yaml", None), ("serverless", "yaml", "staging")):
        files = base.folder(target, form, stage)
        document = base.diff(Against("folder", "out", files=files), base.lock())
        assert document["stacks"] == [], (target, form, stage)
        assert document["stage"] == stage


def test_every_golden_case_diffed_against_itself_shows_nothing():
    """The projects of tests/cases/ok-*: generic resources, parameters, conditions, functions."""
    from conftest import CASES
    from test_cases import load_case

    tried = 0
    for folder in sorted(CASES.glob("ok-*")):
        if (folder / "deployed").is_dir() or (folder / "templates").is_dir():
            continue
        sources = load_case(folder)
        try:
            case = Compiled({s.path: s.text for s in sources})
        except AssertionError:
            continue  # a case about the lock: it builds against its infra.lock only
        assert case.diff(against_folder(case.folder()), case.lock())["stacks"] == [], folder.name
        assert case.diff(against_lock(case.lock()))["stacks"] == [], folder.name
        tried += 1
    assert tried > 40

"""The stack graph: deploy waves, cycles, and what `infrac graph` / `infrac exports` print.

Golden outputs live in tests/graphs/<name>/expected/ (INFRAC_UPDATE=1 rewrites them).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, SEED, UPDATE, run_infrac
from infrac.cfn import limits
from infrac.passes.exports import _problem
from infrac.passes.graph import deploy_waves, find_cycle

GRAPHS = ROOT / "tests" / "graphs"
COMMANDS = {
    "graph.txt": ("graph",),
    "graph.mmd": ("graph", "--format", "mermaid"),
    "graph.dot": ("graph", "--format", "dot"),
    "exports.txt": ("exports", "--stage", "dev"),
    "exports.json": ("exports", "--format", "json"),
}


@pytest.mark.parametrize("name", sorted(p.name for p in GRAPHS.iterdir() if p.is_dir()))
@pytest.mark.parametrize("output", sorted(COMMANDS))
def test_graph_outputs(name: str, output: str):
    folder = GRAPHS / name
    process = run_infrac(*COMMANDS[output], ".", cwd=folder)
    assert process.returncode == 0, process.stderr
    expected = folder / "expected" / output
    if UPDATE:
        expected.parent.mkdir(exist_ok=True)
        expected.write_text(process.stdout, encoding="utf-8")
        return
    assert process.stdout == expected.read_text(encoding="utf-8")


def test_seed_system_mermaid_puts_core_after_the_infrastructure():
    process = run_infrac("graph", str(SEED), "--format", "mermaid")
    assert process.returncode == 0, process.stderr
    waves = re.findall(r'subgraph wave(\d+)\["wave \d+"\]\n((?:    .*\n)+)  end', process.stdout)
    members = {int(n): re.findall(r'\["([a-z0-9-]+)', body) for n, body in waves}
    assert members[1] == ["infrastructure-cognito", "infrastructure-dynamodb", "infrastructure-s3", "infrastructure-sqs"]
    assert members[2] == ["infrastructure-eventbridge"]
    assert members[3] == ["core"]


def test_unknown_stage_for_exports_is_a_usage_error():
    assert run_infrac("exports", str(SEED), "--stage", "qa").returncode == 2


# ---- waves and cycles: properties over generated graphs ------------------------------------


@st.composite
def acyclic_graphs(draw) -> dict[str, tuple[str, ...]]:
    """Stacks s0..sn; each depends only on stacks after it in a random order."""
    count = draw(st.integers(1, 12))
    order = draw(st.permutations([f"s{i}" for i in range(count)]))
    graph = {}
    for i, name in enumerate(order):
        later = order[i + 1 :]
        graph[name] = tuple(sorted(draw(st.sets(st.sampled_from(later), max_size=len(later))) if later else ()))
    return graph


@given(acyclic_graphs())
def test_waves_respect_every_edge_and_hold_every_stack(graph):
    waves = deploy_waves(graph)
    position = {name: i for i, wave in enumerate(waves) for name in wave}
    assert sorted(position) == sorted(graph)
    for name, deps in graph.items():
        assert all(position[d] < position[name] for d in deps)
        # As early as possible: a stack after the first wave waits for something in the wave before.
        if position[name] > 0:
            assert any(position[d] == position[name] - 1 for d in deps)
    assert find_cycle(graph) is None


@given(acyclic_graphs(), st.data())
def test_a_back_edge_makes_a_cycle_that_is_reported_with_its_path(graph, data):
    names = sorted(graph)
    source = data.draw(st.sampled_from(names))
    reachable = _reachable(graph, source)
    if not reachable:
        return
    target = data.draw(st.sampled_from(sorted(reachable)))
    cyclic = {**graph, target: tuple(sorted({*graph[target], source}))}
    cycle = find_cycle(cyclic)
    assert cycle is not None and cycle[0] == cycle[-1]
    for a, b in zip(cycle, cycle[1:]):
        assert b in cyclic[a]


def _reachable(graph, start):
    seen, pending = set(), list(graph[start])
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending.extend(graph[name])
    return seen


def test_diamond_and_chain_waves():
    assert deploy_waves({"api": ("orders", "payments"), "orders": ("data",), "payments": ("data",), "data": ()}) == (
        ("data",), ("orders", "payments"), ("api",)
    )
    chain = {f"s{i}": (f"s{i - 1}",) if i else () for i in range(6)}
    assert deploy_waves(chain) == tuple((f"s{i}",) for i in range(6))


# ---- export names: the checker agrees with the rule ------------------------------------------


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300) | st.from_regex(r"[A-Za-z0-9:-]{0,300}", fullmatch=True))
def test_export_name_checker_agrees_with_the_rule(name):
    legal = re.fullmatch(r"[A-Za-z0-9:-]{1,255}", name) is not None
    assert (_problem(name) is None) == legal
    assert limits.EXPORT_NAME.fullmatch(name) is not None or not legal

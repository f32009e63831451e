"""Benchmark projects: the seed system (``infra.dsl/``) replicated N times.

Copy ``k`` renames every stack (``infrastructure-sqs`` -> ``infrastructure-sqs-c3``,
``core`` -> ``core-c3``) and every physical name, so that the copies are
independent stacks of one project. Each copy's stacks are the seed's stacks
(at most 86 resources and 174 outputs each), so no stack passes CloudFormation's
limits of 500 resources and 200 outputs, whatever N is.

    python bench/generate.py 10 /tmp/p10
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "infra.dsl"
_STACKS = re.compile(r"\binfrastructure-(cognito|dynamodb|sqs|s3|eventbridge)\b")
_CORE = re.compile(r"\bstack core\b")
_PHYSICAL = re.compile(r'"(core|marketplace)-\{stage\}')

#: The file a one-file edit touches, and the edit: a queue's visibility timeout
#: changes the queue's stack (and nothing that imports from it).
EDITED_FILE = "c1/sqs.infra"


def copy_text(text: str, k: int) -> str:
    text = _STACKS.sub(lambda m: f"{m.group(0)}-c{k}", text)
    text = _CORE.sub(f"stack core-c{k}", text)
    text = _PHYSICAL.sub(lambda m: f'"{m.group(1)}-c{k}-{{stage}}', text)
    # core's own Serverless service lives outside the benchmark's folder
    return re.sub(r'(?m)^\s*path\s*=\s*".*"\n', "", text)


def generate(copies: int, out: Path) -> Path:
    """Write the project with ``copies`` copies of the seed system into ``out`` (emptied)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(SEED / "project.infra", out / "project.infra")
    for k in range(1, copies + 1):
        folder = out / f"c{k}"
        folder.mkdir()
        for source in sorted(SEED.glob("*.infra")):
            if source.name != "project.infra":
                (folder / source.name).write_text(copy_text(source.read_text(encoding="utf-8"), k), encoding="utf-8")
    return out


def edit(project: Path, generation: int) -> None:
    """A one-file change: the first queue of copy 1 gets another visibility timeout."""
    path = project / EDITED_FILE
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(r"visibility_timeout = \d+s?m?", f"visibility_timeout = {30 + generation % 7}s", text, count=1)
    assert count == 1, "the edited file has no visibility_timeout"
    path.write_text(text, encoding="utf-8")


def source_bytes(project: Path) -> int:
    return sum(p.stat().st_size for p in project.rglob("*.infra"))


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]))

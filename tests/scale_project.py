"""A generated project of any size, for the scale test and for profiling by hand:

    .venv/bin/python tests/scale_project.py 5 /tmp/p5    # about 5 MB of .infra files

Each group of four stacks holds a table with an index and a stream, a FIFO queue with its
dead-letter queue, an event bus with a rule to the queue, and a consumer that imports from
all three; a file per stack.
"""

from __future__ import annotations

import sys
from pathlib import Path

HEADER = 'project big {\n  region = "eu-west-1"\n  stages = [dev, prod]\n}\n'


def group(i: int) -> dict[str, str]:
    return {
        f"g{i}/data.infra": (
            f"stack data-{i} {{\n"
            f"  table Users{i} {{\n"
            f'    name = "{{project}}-{{stage}}-users-{i}"\n'
            "    key = { userId: string, createdAt: number }\n"
            "    stream = new_and_old_images\n"
            "    index ByEmail { key = { email: string } }\n"
            '    tags = { team: "core", cost: "shared" }\n'
            "    export name, arn, stream_arn\n"
            "  }\n}\n"
        ),
        f"g{i}/queues.infra": (
            f"stack queues-{i} {{\n"
            f"  queue Jobs{i} {{\n"
            f'    name = "{{project}}-{{stage}}-jobs-{i}.fifo"\n'
            "    fifo = true\n"
            f'    dead_letter JobsDlq{i} {{ name = "{{project}}-{{stage}}-jobs-dlq-{i}.fifo", max_receives = 5 }}\n'
            "    export arn, url\n"
            "  }\n}\n"
        ),
        f"g{i}/events.infra": (
            f"stack events-{i} {{\n"
            f'  bus Domain{i} {{\n    name = "{{project}}-{{stage}}-domain-{i}"\n    export name, arn\n  }}\n'
            f"  rule Placed{i} {{\n    bus = Domain{i}\n"
            '    pattern = { source: ["shop"], "detail-type": ["OrderPlaced"] }\n'
            f'    target queues-{i}.Jobs{i} {{ message_group = "orders" }}\n  }}\n'
            "}\n"
        ),
        f"g{i}/app.infra": (
            f"stack app-{i} {{\n"
            f"  uses data-{i}.Users{i} {{ read, write }}\n"
            f"  uses queues-{i}.Jobs{i} {{ send }}\n"
            f"  environment = {{ USERS: data-{i}.Users{i}.name, JOBS: queues-{i}.Jobs{i}.url, "
            f"BUS: events-{i}.Domain{i}.name }}\n"
            "}\n"
        ),
    }


def project(megabytes: float) -> dict[str, str]:
    files = {"project.infra": HEADER}
    size, i = len(HEADER), 0
    while size < megabytes * 1_000_000:
        for path, text in group(i).items():
            files[path] = text
            size += len(text)
        i += 1
    return files


def write(folder: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[2]), project(float(sys.argv[1])))

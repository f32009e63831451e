"""The floor: the least a build can cost in Python.

A bare process that loads the build's output as precomputed data (JSON written
by the benchmark into its own private folder) and writes the same bytes with
PyYAML's C emitter. No parsing, checking or rendering: what is left is start-up,
emission and writing.

    python bench/floor.py DATA.json OUT
"""

import json
import os
import sys

import yaml


def main(data_path: str, out: str) -> None:
    with open(data_path, encoding="utf-8") as stream:
        data = json.load(stream)
    files, styles = data["files"], data["styles"]

    # How infrac quotes each string that it does not write plain, precomputed: a lookup
    # in place of PyYAML's own representer, so that the bytes are infrac's.
    def represent_str(dumper, value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=styles.get(value))

    yaml.CSafeDumper.add_representer(str, represent_str)
    for entry in files:
        path = os.path.join(out, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "yaml" in entry:
            text = entry["header"] + yaml.dump(
                entry["yaml"],
                Dumper=yaml.CSafeDumper,
                sort_keys=False,
                default_flow_style=False,
                allow_unicode=True,
                width=4096,
                indent=2,
            )
        else:
            text = entry["text"]
        with open(path, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

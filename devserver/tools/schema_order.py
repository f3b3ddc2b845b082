#!/usr/bin/env python3
"""Writes devserver/src/schema_order.json: the order of the `properties` of every JSON schema
vendored in references/schemas/, as written in the Taskcluster v106 sources (the YAML files
under services/<service>/schemas/). references/schemas/ comes from generated/references.json,
whose keys are sorted; ajv reports errors in the order of the source, so tc-devserver needs it.

    python3 devserver/tools/schema_order.py /work/shared/taskcluster-v106/src.tar.gz
"""
import json
import os
import sys
import tarfile

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
VENDORED = os.path.join(ROOT, "references", "schemas")


def walk(node, pointer, out):
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict) and list(props) != sorted(props):
            out[pointer] = list(props)
        for key, value in node.items():
            esc = key.replace("~", "~0").replace("/", "~1")
            walk(value, f"{pointer}/{esc}", out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, f"{pointer}/{i}", out)


def main(src):
    wanted = {}
    for service in sorted(os.listdir(VENDORED)):
        d = os.path.join(VENDORED, service, "v1")
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                wanted[f"services/{service}/schemas/v1/{name[:-5]}.yml"] = f"{service}/v1/{name}"
    table = {}
    with tarfile.open(src) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("./")
            if name in wanted:
                doc = yaml.safe_load(tar.extractfile(member).read())
                order = {}
                walk(doc, "", order)
                if order:
                    table[wanted[name]] = order
    with open(os.path.join(ROOT, "devserver", "src", "schema_order.json"), "w") as f:
        json.dump(dict(sorted(table.items())), f, indent=1)
        f.write("\n")
    print(f"{len(table)} schemas whose properties are not in sorted order", file=sys.stderr)


main(sys.argv[1])

#!/usr/bin/env python3
"""Refresh the checked-in Taskcluster API and exchange references in references/.

Two sources:

* default (packages): the npm package `taskcluster-client` (full references,
  scopes included) and the PyPI package `taskcluster` (newer; method and
  exchange facts of every service, no scopes), fetched with `npm pack` and
  `pip download`, then merged (see MERGE_RULE below);
* `--root-url URL`: a live deployment's `<URL>/references/manifest.json` and
  every API / exchanges reference it lists (the canonical source).

Only structural fields are kept (no description text). The output is
`references/manifest.json`, `references/<service>/<version>/api.json` and
`exchanges.json`, and `references/SOURCES.md`, which records where each fact
came from. Running it twice gives identical files.

JSON schemas: the request and response schemas the API methods name
(`input`, `output`), with every schema they reach through `$ref`, are kept
whole (descriptions included; codegen turns them into types) in
`references/schemas/<service>/<version>/<name>.json`, the paths a deployment
serves them at. They come from the deployment with `--root-url`
(`<URL>/schemas/...`), or from a Taskcluster `generated/references.json`
bundle with `--schemas-from FILE`; otherwise the schemas already in
references/schemas/ are kept as they are (pruned to those still named) with
their recorded provenance (`references/schemas/provenance.json`). Methods whose
schemas are not available are listed in SOURCES.md (codegen types them
loosely).

Usage: scripts/refresh-references.py [--npm-version V] [--pypi-version V]
                                     [--root-url URL] [--schemas-from FILE]
                                     [--out DIR] [--check]
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

NPM_PACKAGE = "taskcluster-client"
PYPI_PACKAGE = "taskcluster"
DEFAULT_NPM_VERSION = "87.1.3"
DEFAULT_PYPI_VERSION = "113.2.0"

API_SCHEMA = "/schemas/common/api-reference-v0.json#"
EXCHANGES_SCHEMA = "/schemas/common/exchanges-reference-v0.json#"
MANIFEST_SCHEMA = "/schemas/common/manifest-v3.json#"

# Kept fields, in output order.
API_TOP = ["$schema", "apiVersion", "serviceName", "title", "entries"]
API_ENTRY = ["type", "name", "method", "route", "args", "query", "input", "output",
             "scopes", "stability", "category", "title"]
EXCHANGES_TOP = ["$schema", "apiVersion", "serviceName", "title", "exchangePrefix", "entries"]
EXCHANGE_ENTRY = ["type", "exchange", "name", "title", "schema", "routingKey"]
ROUTING_KEY = ["name", "multipleWords", "required", "constant"]

# Counts of the v106.0.0 references (docs: client-semantics §5.4), printed next to
# the result as a sanity baseline: service -> (API methods, exchanges).
BASELINE_V106 = {
    "auth": (36, 6), "github": (12, 5), "hooks": (16, 3), "index": (11, 0),
    "notify": (11, 1), "object": (9, 0), "purge-cache": (7, 0), "queue": (49, 11),
    "secrets": (8, 0), "web-server": (6, 0), "worker-manager": (27, 10),
}

MERGE_RULE = """\
For every service the newer package ({pypi}) gives the facts: which
methods and exchanges exist, their order, and for methods `name`, `method`,
`route`, `args`, `query`, `input`, `output`, `stability` and `title`; for
exchanges `exchange`, `name`, `title`, `schema`, the routing-key elements
(`name`, `multipleWords`, `constant`) and `exchangePrefix`.
The older package ({npm}, matched by service and by entry name) gives
what the Python package lacks: `scopes`, `category`, the service `title` and
`$schema`. An entry the npm package lacks keeps no `scopes` and no
`category` (unknown, so left out rather than invented). Entries only in the
npm package are dropped: the newer release no longer has them.

Where the Python package is silent the following are read from it anyway:
`title` is the first line of the generated docstring; a routing-key element
is `required` when its line in the docstring ends with `(required)`; a
missing `query` means no query keys (`[]`; the Python generator leaves out
empty lists); `type` is `function` for `_makeApiCall` methods and
`topic-exchange` for `_makeTopicExchange` ones. A service the npm package
lacks gets the standard `$schema` of its document kind and no `title`.
Where both packages have an entry, every difference between them is listed below.
"""


# ---------------------------------------------------------------------------
# helpers


def ordered(obj: dict, keys: list[str]) -> dict:
    """The fields of `obj` named in `keys`, in that order (absent ones left out)."""
    return {k: obj[k] for k in keys if k in obj}


def dump(obj) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(cmd: list[str], cwd: Path) -> str:
    print("+ " + " ".join(cmd), file=sys.stderr)
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"refresh-references: {' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stdout


def strip_api(ref: dict) -> dict:
    out = ordered(ref, API_TOP)
    out["entries"] = [ordered(e, API_ENTRY) for e in ref.get("entries", [])]
    return out


def strip_exchanges(ref: dict) -> dict:
    out = ordered(ref, EXCHANGES_TOP)
    entries = []
    for e in ref.get("entries", []):
        entry = ordered(e, EXCHANGE_ENTRY)
        if "routingKey" in entry:
            entry["routingKey"] = [ordered(k, ROUTING_KEY) for k in entry["routingKey"]]
        entries.append(entry)
    out["entries"] = entries
    return out


def kind_of(ref: dict) -> str | None:
    """`api`, `exchanges` or None (logs, metrics, anything else), by `$schema`."""
    schema = str(ref.get("$schema", ""))
    name = schema.rsplit("/", 1)[-1].split("#")[0]
    if name == "api-reference-v0.json":
        return "api"
    if name == "exchanges-reference-v0.json":
        return "exchanges"
    return None


# ---------------------------------------------------------------------------
# npm: taskcluster-client


def fetch_npm(version: str, tmp: Path) -> tuple[dict, dict]:
    """References of the npm package by (kind, serviceName, apiVersion), and provenance."""
    dest = tmp / "npm"
    dest.mkdir()
    out = run(["npm", "pack", f"{NPM_PACKAGE}@{version}", "--json", "--pack-destination", str(dest)],
              cwd=dest)
    info = json.loads(out)[0]
    tarball = dest / info["filename"]
    data = tarball.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        pkg = json.load(tar.extractfile("package/package.json"))
        apis_js = tar.extractfile("package/src/apis.js").read().decode("utf-8")
    if pkg.get("version") != version:
        sys.exit(f"refresh-references: npm gave {NPM_PACKAGE} {pkg.get('version')}, not {version}")
    refs = {}
    for ref in parse_apis_js(apis_js).values():
        ref = ref["reference"]
        kind = kind_of(ref) or ("exchanges" if "exchangePrefix" in ref else "api")
        refs[(kind, ref["serviceName"], ref["apiVersion"])] = ref
    return refs, {"package": f"npm {NPM_PACKAGE}", "version": version,
                  "file": info["filename"], "sha256": sha256(data)}


def parse_apis_js(text: str) -> dict:
    """The object literal of src/apis.js (`export default {...}`; JSON in practice)."""
    m = re.search(r"export\s+default|module\.exports\s*=", text)
    if not m:
        sys.exit("refresh-references: src/apis.js has no `export default`")
    start = text.index("{", m.end())
    obj, _ = json.JSONDecoder().raw_decode(text, start)
    return obj


# ---------------------------------------------------------------------------
# PyPI: taskcluster (generated clients, read with `ast`; never executed)


def fetch_pypi(version: str, tmp: Path) -> tuple[dict, dict]:
    """Facts of the PyPI package by (kind, serviceName, apiVersion), and provenance."""
    dest = tmp / "pypi"
    dest.mkdir()
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "--quiet", "-d", str(dest), f"{PYPI_PACKAGE}=={version}"],
        cwd=dest)
    wheels = sorted(dest.glob(f"{PYPI_PACKAGE}-{version}-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"refresh-references: expected one {PYPI_PACKAGE} {version} wheel, got {wheels}")
    data = wheels[0].read_bytes()
    refs = {}
    with zipfile.ZipFile(io.BytesIO(data)) as whl:
        names = sorted(n for n in whl.namelist()
                       if re.fullmatch(r"taskcluster/generated/[a-z0-9_]+\.py", n))
        for name in names:
            tree = ast.parse(whl.read(name).decode("utf-8"), filename=name)
            for cls in tree.body:
                if isinstance(cls, ast.ClassDef):
                    for key, ref in parse_class(cls, name):
                        if key in refs:
                            sys.exit(f"refresh-references: {key} defined twice in the wheel")
                        refs[key] = ref
    return refs, {"package": f"PyPI {PYPI_PACKAGE}", "version": version,
                  "file": wheels[0].name, "sha256": sha256(data)}


def parse_class(cls: ast.ClassDef, filename: str):
    """(key, reference) pairs for one generated client class."""
    attrs = {}
    for node in cls.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            try:
                attrs[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    if "serviceName" not in attrs or "apiVersion" not in attrs:
        return []
    funcinfo = attrs.get("funcinfo", {})
    prefix = attrs.get("classOptions", {}).get("exchangePrefix")
    api, exchanges = [], []
    for node in cls.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        doc = ast.get_docstring(node) or ""
        title = doc.split("\n", 1)[0].strip()
        call, ref = None, None
        for sub in ast.walk(node):
            if isinstance(sub, ast.Assign) and len(sub.targets) == 1 \
                    and isinstance(sub.targets[0], ast.Name) and sub.targets[0].id == "ref":
                ref = ast.literal_eval(sub.value)
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                    and sub.func.attr in ("_makeApiCall", "_makeTopicExchange"):
                call = sub
        if call is None:
            continue
        if call.func.attr == "_makeApiCall":
            arg = call.args[0]
            if not (isinstance(arg, ast.Subscript) and isinstance(arg.slice, ast.Constant)):
                sys.exit(f"refresh-references: {filename}: {node.name}: unexpected _makeApiCall form")
            info = dict(funcinfo[arg.slice.value])
            info["type"] = "function"
            info.setdefault("query", [])
            if title:
                info["title"] = title
            api.append(ordered(info, API_ENTRY))
        else:
            if ref is None:
                sys.exit(f"refresh-references: {filename}: {node.name}: no `ref` for the exchange")
            required = docstring_required(doc)
            keys = []
            for k in ref.get("routingKey", []):
                k = dict(k)
                if k["name"] in required:
                    k["required"] = required[k["name"]]
                keys.append(ordered(k, ROUTING_KEY))
            entry = dict(ref, type="topic-exchange", routingKey=keys)
            if title:
                entry["title"] = title
            exchanges.append(ordered(entry, EXCHANGE_ENTRY))
    svc, ver = attrs["serviceName"], attrs["apiVersion"]
    out = []
    if prefix is not None:
        out.append((("exchanges", svc, ver), {"apiVersion": ver, "serviceName": svc,
                                              "exchangePrefix": prefix, "entries": exchanges}))
    elif api:
        out.append((("api", svc, ver), {"apiVersion": ver, "serviceName": svc, "entries": api}))
    return out


def docstring_required(doc: str) -> dict[str, bool]:
    """Routing-key element name -> required, from the ` * name: summary (required)` list."""
    bullets: list[str] = []
    in_keys = False
    for line in doc.split("\n"):
        s = line.strip()
        if s.startswith("This exchange takes the following keys"):
            in_keys = True
        elif in_keys and s.startswith("* "):
            bullets.append(s[2:])
        elif in_keys and s and bullets:
            bullets[-1] += " " + s
    out = {}
    for b in bullets:
        name, sep, summary = b.partition(":")
        if sep:
            out[name.strip()] = summary.rstrip().endswith("(required)")
    return out


# ---------------------------------------------------------------------------
# merge of the two packages


def merge(npm: dict, pypi: dict, npm_src: dict, pypi_src: dict) -> tuple[dict, list[dict]]:
    """Merged references by (kind, service, version) and one provenance record per file."""
    docs, records = {}, []
    npm_name = f"{npm_src['package']} {npm_src['version']}"
    pypi_name = f"{pypi_src['package']} {pypi_src['version']}"
    for key in sorted(set(npm) | set(pypi)):
        kind, svc, ver = key
        old, new = npm.get(key), pypi.get(key)
        rec = {"kind": kind, "service": svc, "version": ver, "notes": [],
               "no_scopes_unknown": [], "no_scopes_none": [], "dropped": [], "added": []}
        if new is None:
            # Only the older package has it: keep it whole, and say so.
            doc = strip_api(old) if kind == "api" else strip_exchanges(old)
            rec["facts"] = npm_name
            rec["notes"].append(f"not in {pypi_name}; taken whole from {npm_name}")
            if kind == "api":
                rec["no_scopes_none"] = [e["name"] for e in doc["entries"] if "scopes" not in e]
            docs[key] = doc
            records.append(rec)
            continue
        rec["facts"] = pypi_name
        old_entries = {e["name"]: e for e in (old or {}).get("entries", [])}
        new_names = {e["name"] for e in new["entries"]}
        rec["dropped"] = [n for n in old_entries if n not in new_names]
        top = {"$schema": (old or {}).get("$schema", API_SCHEMA if kind == "api" else EXCHANGES_SCHEMA),
               "apiVersion": ver, "serviceName": svc}
        if old is None:
            rec["notes"].append(f"not in {npm_name}: standard `$schema`, no service `title`")
        elif "title" in old:
            top["title"] = old["title"]
        entries = []
        for e in new["entries"]:
            e = dict(e)
            o = old_entries.get(e["name"])
            if o is None:
                rec["added"].append(e["name"])
            if kind == "api":
                if o is not None:
                    for f in ("scopes", "category"):
                        if f in o and f not in e:
                            e[f] = o[f]
                    if "title" not in e and "title" in o:
                        e["title"] = o["title"]
                    changed = [f for f in ("method", "route", "args", "query", "input", "output",
                                           "stability", "title")
                               if e.get(f) != o.get(f)]
                    if changed:
                        rec["notes"].append(f"`{e['name']}`: {', '.join(changed)} changed since "
                                            f"{npm_name} (scopes kept from it)")
                    if "scopes" not in o:
                        rec["no_scopes_none"].append(e["name"])
                else:
                    rec["no_scopes_unknown"].append(e["name"])
                entries.append(ordered(e, API_ENTRY))
            else:
                if o is not None:
                    if "title" not in e and "title" in o:
                        e["title"] = o["title"]
                    old_keys = {k["name"]: k for k in o.get("routingKey", [])}
                    keys = []
                    for k in e["routingKey"]:
                        k = dict(k)
                        ok = old_keys.get(k["name"])
                        if "required" not in k and ok is not None and "required" in ok:
                            k["required"] = ok["required"]
                            rec["notes"].append(f"`{e['name']}`.{k['name']}: `required` from {npm_name}")
                        elif ok is not None and ok.get("required") != k.get("required"):
                            rec["notes"].append(f"`{e['name']}`.{k['name']}: `required` differs "
                                                f"from {npm_name}")
                        keys.append(ordered(k, ROUTING_KEY))
                    e["routingKey"] = keys
                    stripped_old = [ordered(k, ROUTING_KEY) for k in o.get("routingKey", [])]
                    changed = [f for f in ("exchange", "schema", "title") if e.get(f) != o.get(f)]
                    if e["routingKey"] != stripped_old:
                        changed.append("routingKey")
                    if changed:
                        rec["notes"].append(f"`{e['name']}`: {', '.join(changed)} changed since {npm_name}")
                for k in e["routingKey"]:
                    if "required" not in k:
                        rec["notes"].append(f"`{e['name']}`.{k['name']}: `required` unknown, left out")
                entries.append(ordered(e, EXCHANGE_ENTRY))
        if kind == "exchanges":
            top["exchangePrefix"] = new["exchangePrefix"]
            if old is not None and old.get("exchangePrefix") != new["exchangePrefix"]:
                rec["notes"].append(f"exchangePrefix changed since {npm_name}")
        top["entries"] = entries
        docs[key] = ordered(top, API_TOP if kind == "api" else EXCHANGES_TOP)
        records.append(rec)
    return docs, records


# ---------------------------------------------------------------------------
# live deployment


def fetch_json(url: str) -> dict:
    req = urllib.request.Request(url, headers={"Accept": "application/json",
                                               "User-Agent": "taskcluster-wasm refresh-references"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"refresh-references: {url}: {e}")


def fetch_deployment(root_url: str) -> tuple[dict, list[dict]]:
    root = root_url.rstrip("/")
    manifest = fetch_json(f"{root}/references/manifest.json")
    docs, records = {}, []
    for ref_url in manifest.get("references", []):
        url = ref_url if urllib.parse.urlsplit(ref_url).scheme else root + "/" + ref_url.lstrip("/")
        print(f"GET {url}", file=sys.stderr)
        ref = fetch_json(url)
        kind = kind_of(ref)
        if kind is None:
            continue
        key = (kind, ref["serviceName"], ref["apiVersion"])
        docs[key] = strip_api(ref) if kind == "api" else strip_exchanges(ref)
        rec = {"kind": kind, "service": key[1], "version": key[2], "facts": url, "notes": [],
               "no_scopes_unknown": [], "no_scopes_none": [], "dropped": [], "added": []}
        if kind == "api":
            rec["no_scopes_none"] = [e["name"] for e in docs[key]["entries"] if "scopes" not in e]
        records.append(rec)
    return docs, records


# ---------------------------------------------------------------------------
# JSON schemas


def schema_path(service: str, ref: str) -> str:
    """`schemas/<service>/v1/x.json` for a method's `input`/`output` (`v1/x.json#`)."""
    return f"schemas/{service}/{ref.split('#', 1)[0]}"


def ref_target(path: str, ref: str) -> str | None:
    """The schema file a `$ref` in the schema file `path` points to (None: same file)."""
    target = ref.split("#", 1)[0]
    if not target:
        return None
    parsed = urllib.parse.urlsplit(target)
    if parsed.scheme:
        target = parsed.path
    if target.startswith("/"):
        return target.lstrip("/")
    parts = path.split("/")[:-1]
    for seg in target.split("/"):
        if seg == "..":
            parts.pop()
        elif seg != ".":
            parts.append(seg)
    return "/".join(parts)


def refs_in(schema) -> list[str]:
    out = []
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            out.append(schema["$ref"])
        for v in schema.values():
            out += refs_in(v)
    elif isinstance(schema, list):
        for v in schema:
            out += refs_in(v)
    return out


def method_schemas(docs: dict) -> list[tuple[str, str, str, str]]:
    """(service, method, input|output, schema path) for every API method's schema."""
    out = []
    for (kind, svc, _), doc in sorted(docs.items()):
        if kind != "api":
            continue
        for e in doc["entries"]:
            for field in ("input", "output"):
                if field in e:
                    out.append((svc, e["name"], field, schema_path(svc, e[field])))
    return out


def collect_schemas(docs: dict, get) -> tuple[dict, list[str]]:
    """Every schema the methods name and what they reach by `$ref`: path -> schema, and the
    paths `get` (path -> schema or None) does not have."""
    todo = sorted({p for *_, p in method_schemas(docs)})
    found, missing = {}, []
    while todo:
        path = todo.pop()
        if path in found or path in missing:
            continue
        schema = get(path)
        if schema is None:
            missing.append(path)
            continue
        found[path] = schema
        for ref in refs_in(schema):
            target = ref_target(path, ref)
            if target and target.startswith("schemas/") and target not in found:
                todo.append(target)
    return found, sorted(missing)


def schemas_from_bundle(bundle: Path, label: str | None):
    data = bundle.read_bytes()
    entries = {e["filename"]: e["content"] for e in json.loads(data)}
    what = label or "a Taskcluster `generated/references.json`"
    return (lambda path: entries.get(path)), f"{what} (`{bundle.name}`, sha256 `{sha256(data)}`)"


def schemas_from_deployment(root_url: str):
    root = root_url.rstrip("/")

    def get(path: str):
        url = f"{root}/{path}"
        print(f"GET {url}", file=sys.stderr)
        req = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "taskcluster-wasm refresh-references"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            sys.exit(f"refresh-references: {url}: {e}")
        except (OSError, ValueError) as e:
            sys.exit(f"refresh-references: {url}: {e}")
    return get


def schemas_on_disk(out: Path):
    def get(path: str):
        p = out / path
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
    prov = out / "schemas" / "provenance.json"
    source = json.loads(prov.read_text(encoding="utf-8"))["source"] if prov.exists() else "unknown"
    return get, source


def schemas_md(docs: dict, schemas: dict, source: str) -> list[str]:
    lines = ["", "## JSON schemas", "",
             f"`schemas/` holds the {len(schemas)} JSON schemas that the API methods name as `input` or "
             "`output`, with every schema they reach through `$ref`, whole and unchanged, at the "
             "paths a deployment serves them under `/schemas/`.", "",
             f"Source: {source}.", ""]
    missing = [(svc, name, field, path) for svc, name, field, path in method_schemas(docs)
               if path not in schemas]
    lines.append("Methods whose schema is not here (typed loosely by codegen: `unknown` in "
                 "TypeScript, `serde_json::Value` in Rust):")
    lines.append("")
    lines += [f"* `{svc}.{name}` {field}: `{path}`" for svc, name, field, path in missing] or ["* none"]
    return lines


# ---------------------------------------------------------------------------
# output


def rel_path(key) -> str:
    kind, svc, ver = key
    return f"{svc}/{ver}/{'api' if kind == 'api' else 'exchanges'}.json"


def sources_md(records: list[dict], header: list[str], mode_rule: str | None,
               extra: list[str]) -> str:
    lines = ["# Sources of these references", "",
             "Generated by `scripts/refresh-references.py` (`cargo xtask references`); do not edit.",
             "Only structural fields are kept; description text is left out.", ""]
    lines += header + [""]
    if mode_rule:
        lines += ["## Merge rule", "", mode_rule.rstrip(), ""]
    lines += ["## Files", "", "| file | entries | facts from | scopes from |", "|---|---|---|---|"]
    for r in records:
        scopes = "—" if r["kind"] == "exchanges" else r.get("scopes_from", r["facts"])
        lines.append(f"| `{r['path']}` | {r['count']} | {r['facts']} | {scopes} |")
    lines += ["", "## Entries without `scopes`", ""]
    lines.append("Unknown (the entry is newer than the package that carries scopes; absence here does "
                 "**not** mean that no scopes are needed):")
    lines += [""] + name_list(records, "no_scopes_unknown")
    lines += ["", "None required (the source reference has no `scopes` for the entry):", ""]
    lines += name_list(records, "no_scopes_none")
    changes = [r for r in records if r["added"] or r["dropped"] or r["notes"]]
    if changes:
        lines += ["", "## Differences between the sources", ""]
        for r in changes:
            lines.append(f"* `{r['path']}`:")
            if r["added"]:
                lines.append(f"  * only in the newer package: {', '.join(f'`{n}`' for n in r['added'])}")
            if r["dropped"]:
                lines.append(f"  * only in the older package (dropped): "
                             f"{', '.join(f'`{n}`' for n in r['dropped'])}")
            lines += [f"  * {n}" for n in r["notes"]]
    lines += extra
    return "\n".join(lines) + "\n"


def name_list(records: list[dict], field: str) -> list[str]:
    """One markdown bullet per file with entry names in `field`, or `* none`."""
    out = [f"* `{r['path']}`: {', '.join(f'`{n}`' for n in r[field])}" for r in records if r[field]]
    return out or ["* none"]


def build(args) -> dict[str, str]:
    """File name (relative to the output directory) -> content."""
    if args.root_url:
        docs, records = fetch_deployment(args.root_url)
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        header = [f"Source: the deployment `{args.root_url.rstrip('/')}` "
                  f"(`/references/manifest.json` and the references it lists), fetched {today} (UTC).",
                  "Logs and metrics references are skipped."]
        rule = None
        for r in records:
            r["facts"] = f"`{r['facts']}`"
            if r["kind"] == "api":
                r["scopes_from"] = "the same document"
    else:
        with tempfile.TemporaryDirectory(prefix="refresh-references-") as tmp:
            npm, npm_src = fetch_npm(args.npm_version, Path(tmp))
            pypi, pypi_src = fetch_pypi(args.pypi_version, Path(tmp))
        docs, records = merge(npm, pypi, npm_src, pypi_src)
        npm_name = f"{npm_src['package']} {npm_src['version']}"
        for r in records:
            if r["kind"] == "api":
                matched = (r["kind"], r["service"], r["version"]) in npm
                r["scopes_from"] = (npm_name + (" (by entry name)" if r["facts"] != npm_name else "")
                                    if matched else "— (unknown)")
        header = ["Sources (registry packages; fetched with `npm pack` and `pip download`):", ""]
        header += [f"* {s['package']} {s['version']}: `{s['file']}`, sha256 `{s['sha256']}`"
                   for s in (npm_src, pypi_src)]
        rule = MERGE_RULE.format(npm=npm_name, pypi=f"{pypi_src['package']} {pypi_src['version']}")
    files = {}
    for key in sorted(docs):
        files[rel_path(key)] = dump(docs[key])
    for r in records:
        key = (r["kind"], r["service"], r["version"])
        r["path"] = rel_path(key)
        r["count"] = len(docs[key]["entries"])
    records.sort(key=lambda r: r["path"])
    manifest = {"$schema": MANIFEST_SCHEMA,
                "references": sorted(f"/references/{p}" for p in files)}
    files["manifest.json"] = dump(manifest)
    if args.root_url:
        get, source = schemas_from_deployment(args.root_url), \
            f"the deployment `{args.root_url.rstrip('/')}` (`/schemas/...`)"
    elif args.schemas_from:
        get, source = schemas_from_bundle(args.schemas_from, args.schemas_label)
    else:
        get, source = schemas_on_disk(args.out)
    schemas, _ = collect_schemas(docs, get)
    for path, schema in sorted(schemas.items()):
        files[path] = dump(schema)
    files["schemas/provenance.json"] = dump({"source": source})
    files["SOURCES.md"] = sources_md(records, header, rule, schemas_md(docs, schemas, source))
    report(docs)
    return files


def report(docs: dict) -> None:
    services = sorted({svc for _, svc, _ in docs} | set(BASELINE_V106))
    print(f"{'service':<16}{'methods':>8}{'s/e/d':>10}{'exchanges':>10}   v106 (methods, exchanges)")
    tm = te = 0
    for svc in services:
        api = [d for (k, s, _), d in docs.items() if s == svc and k == "api"]
        exc = [d for (k, s, _), d in docs.items() if s == svc and k == "exchanges"]
        entries = [e for d in api for e in d["entries"]]
        m, x = len(entries), sum(len(d["entries"]) for d in exc)
        stab = "/".join(str(sum(e.get("stability") == s for e in entries))
                        for s in ("stable", "experimental", "deprecated"))
        base = BASELINE_V106.get(svc)
        diff = "" if base == (m, x) else f"   differs: {base}"
        print(f"{svc:<16}{m:>8}{stab:>10}{x:>10}{diff}")
        tm, te = tm + m, te + x
    bm = sum(b[0] for b in BASELINE_V106.values())
    bx = sum(b[1] for b in BASELINE_V106.values())
    print(f"{'total':<16}{tm:>8}{'':>10}{te:>10}   v106: ({bm}, {bx})")


def write(out: Path, files: dict[str, str]) -> list[str]:
    """Write `files` under `out`, remove stale generated files; the changed paths."""
    changed = []
    for rel, text in files.items():
        path = out / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for path in sorted(out.glob("schemas/*/*/*.json")):
        rel = path.relative_to(out).as_posix()
        if rel not in files:
            path.unlink()
            changed.append(rel + " (removed)")
    for path in sorted(out.glob("*/*/*.json")):
        rel = path.relative_to(out).as_posix()
        if path.name in ("api.json", "exchanges.json") and rel not in files:
            path.unlink()
            changed.append(rel + " (removed)")
            for d in (path.parent, path.parent.parent):
                if not any(d.iterdir()):
                    d.rmdir()
    return changed


def check(out: Path, files: dict[str, str]) -> list[str]:
    diff = [rel for rel, text in files.items()
            if not (out / rel).exists() or (out / rel).read_text(encoding="utf-8") != text]
    diff += [p.relative_to(out).as_posix() + " (stale)" for p in sorted(out.glob("*/*/*.json"))
             if p.name in ("api.json", "exchanges.json") and p.relative_to(out).as_posix() not in files]
    diff += [p.relative_to(out).as_posix() + " (stale)" for p in sorted(out.glob("schemas/*/*/*.json"))
             if p.relative_to(out).as_posix() not in files]
    return diff


def main() -> int:
    repo = Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--npm-version", default=DEFAULT_NPM_VERSION,
                   help=f"npm {NPM_PACKAGE} version (default {DEFAULT_NPM_VERSION})")
    p.add_argument("--pypi-version", default=DEFAULT_PYPI_VERSION,
                   help=f"PyPI {PYPI_PACKAGE} version (default {DEFAULT_PYPI_VERSION})")
    p.add_argument("--root-url", help="take the references from this deployment instead")
    p.add_argument("--schemas-from", type=Path, metavar="FILE",
                   help="take the JSON schemas from this Taskcluster generated/references.json bundle")
    p.add_argument("--schemas-label", metavar="TEXT",
                   help="what the --schemas-from bundle is, for SOURCES.md (e.g. its release and commit)")
    p.add_argument("--out", type=Path, default=repo / "references",
                   help="output directory (default: references/ of this repository)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; fail when the output directory is not up to date")
    args = p.parse_args()
    files = build(args)
    if args.check:
        diff = check(args.out, files)
        for d in diff:
            print(f"out of date: {d}", file=sys.stderr)
        return 1 if diff else 0
    changed = write(args.out, files)
    print(f"{len(changed)} file(s) changed in {args.out}" +
          "".join(f"\n  {c}" for c in changed), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

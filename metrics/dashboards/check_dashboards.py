#!/usr/bin/env python3
"""Checks Docket's Grafana dashboards:

- the JSON files are what generate.py writes (the script is their source);
- each is a dashboard Grafana can import: uid, title, panels with unique ids, a grid position,
  a data source, and targets with a refId and an expression;
- the drilldown has the template variable `center` and every query of it filters on it;
- every expression parses as PromQL (promtool check rules, on a rule file made of them, after
  Grafana's variables are replaced by sample values).

Exits 1 with a list of what is wrong.
"""
import filecmp
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import promql_sources  # noqa: E402

BOARDS = {"docket-national.json": [], "docket-center.json": ["center"], "docket-officers.json": ["center"]}
VARIABLES = {"$center": "VSC", "$form": ".*", "$__rate_interval": "5m", "$__interval": "1m", "$__range": "1d"}


def main():
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), tmp], check=True)
        for name in BOARDS:
            if not filecmp.cmp(os.path.join(tmp, name), os.path.join(HERE, name), shallow=False):
                errors.append(f"{name} differs from what generate.py writes: run metrics/dashboards/generate.py")

        exprs = []
        uids = set()
        for name, needs in BOARDS.items():
            path = os.path.join(HERE, name)
            with open(path, encoding="utf-8") as f:
                board = json.load(f)
            for key in ("uid", "title", "panels", "schemaVersion", "templating"):
                if key not in board:
                    errors.append(f"{name}: no {key}")
            if board.get("uid") in uids:
                errors.append(f"{name}: uid {board.get('uid')} used twice")
            uids.add(board.get("uid"))
            variables = {v["name"]: v for v in board.get("templating", {}).get("list", [])}
            for var in needs:
                if var not in variables:
                    errors.append(f"{name}: no template variable {var}")
            ids = set()
            queries = 0
            for p in board.get("panels", []):
                if p.get("id") in ids:
                    errors.append(f"{name}: panel id {p.get('id')} used twice")
                ids.add(p.get("id"))
                if not {"h", "w", "x", "y"} <= set(p.get("gridPos", {})):
                    errors.append(f"{name}: panel '{p.get('title')}' has no grid position")
                if p.get("type") == "row":
                    continue
                if "datasource" not in p or not p.get("targets"):
                    errors.append(f"{name}: panel '{p.get('title')}' has no data source or no targets")
                for t in p.get("targets", []):
                    if not t.get("refId") or not t.get("expr"):
                        errors.append(f"{name}: panel '{p.get('title')}' has a target without refId or expr")
                    queries += 1
                    if "center" in needs and name == "docket-center.json" and "$center" not in t.get("expr", ""):
                        errors.append(f"{name}: panel '{p.get('title')}' ignores $center")
            if queries == 0:
                errors.append(f"{name}: no queries")
            exprs += promql_sources.dashboard(path)

        # PromQL syntax, through promtool.
        rules = ["groups:", "  - name: dashboards", "    rules:"]
        for i, (where, expr) in enumerate(exprs):
            for var, value in VARIABLES.items():
                expr = expr.replace(var, value)
            if "$" in expr:
                errors.append(f"{where}: unknown variable in {expr}")
            rules.append(f"      - record: dashboard_expr_{i}")
            rules.append(f"        expr: {json.dumps(expr)}")
        rule_file = os.path.join(tmp, "dashboards.rules.yaml")
        with open(rule_file, "w", encoding="utf-8") as f:
            f.write("\n".join(rules) + "\n")
        check = subprocess.run(["promtool", "check", "rules", rule_file], capture_output=True, text=True)
        if check.returncode != 0:
            out = check.stdout + check.stderr
            for m in re.finditer(r"dashboard_expr_(\d+)", out):
                errors.append(f"{exprs[int(m.group(1))][0]}: does not parse")
            errors.append(out.strip())

    for e in errors:
        print(e)
    if errors:
        return 1
    print(f"{len(BOARDS)} dashboards, {len(exprs)} expressions: valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())

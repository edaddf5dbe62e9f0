"""PromQL expressions and recorded names in Docket's dashboards and rule files (stdlib only).

Rule files are read for their `record:` names and `expr:` values, inline or as a `|` block (the
two forms metrics/rules uses); dashboards for every target's `expr` and every query variable.
"""
import json
import re

IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
# Series Prometheus makes itself rather than scraping them.
BUILTIN = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added",
           "scrape_samples_post_metric_relabeling", "ALERTS", "ALERTS_FOR_STATE"}


def rule_file(path):
    """Returns ([(where, expr)], {recorded names}) of a Prometheus rule file."""
    exprs, records = [], set()
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(\s*)(?:-\s*)?record:\s*(\S+)\s*$", line)
        if m:
            records.add(m.group(2).strip("'\""))
        m = re.match(r"^(\s*)(?:-\s*)?expr:\s*(.*)$", line)
        if m:
            indent = len(m.group(1))
            value = m.group(2).strip()
            where = f"{path}:{i + 1}"
            if value in ("|", "|-", ">", ">-"):
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i].strip())
                    i += 1
                exprs.append((where, " ".join(b for b in block if b)))
                continue
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            exprs.append((where, value))
        i += 1
    return exprs, records


def dashboard(path):
    """Returns [(where, expr)] of a Grafana dashboard: panel targets and query variables."""
    with open(path, encoding="utf-8") as f:
        board = json.load(f)
    exprs = []

    def panels(items):
        for p in items:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(board.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                exprs.append((f"{path}: panel '{p.get('title')}' {t.get('refId')}", t["expr"]))
    for v in board.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else q
            m = re.match(r"^\s*label_values\((.*),\s*[A-Za-z_]+\s*\)\s*$", q or "")
            if m:
                exprs.append((f"{path}: variable {v.get('name')}", m.group(1)))
    return exprs


def sources(paths):
    """Every (where, expr) and the recorded names defined, over rule files and dashboards."""
    exprs, records = [], set()
    for path in paths:
        if path.endswith(".json"):
            exprs += dashboard(path)
        else:
            e, r = rule_file(path)
            exprs += e
            records |= r
    return exprs, records


def metric_names(expr):
    """Metric names an expression selects (functions, keywords, labels and strings left out)."""
    text = STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)          # label matchers
    text = re.sub(r"\[[^\]]*\]", "[]", text)          # ranges, including Grafana's $__rate_interval
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for m in IDENT.finditer(text):
        name = m.group(0)
        start, end = m.start(), m.end()
        if start > 0 and text[start - 1] in "$.0123456789":
            continue
        rest = text[end:].lstrip()
        if rest.startswith("("):                      # a function or aggregation
            continue
        if name in ("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
                    "unless", "offset", "inf", "nan", "Inf", "NaN", "atan2"):
            continue
        if name.startswith("docket_") or ":" in name or name in BUILTIN:
            names.add(name)
    return names

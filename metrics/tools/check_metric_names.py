#!/usr/bin/env python3
"""Every metric the dashboards and rules name must exist in a scrape.

  check_metric_names.py (--scrape FILE | --url URL) [--allow FILE] DASHBOARDS_AND_RULES...

Reads the metric names out of the PromQL of the given dashboards (*.json) and rule files
(*.yaml), and checks each against the scrape (the Prometheus text format, e.g. `curl -s
http://127.0.0.1:9464/metrics`): a plain name must be exposed (histograms by their _bucket,
_sum and _count series), a recorded name (level:metric:ops) must be defined by one of the rule
files, and Prometheus' own series (up, ...) are always there.

The allow-list names metrics that are known not to be exposed yet, one a line (# comments).
It may only shrink: a listed name that the scrape does expose is reported as stale.
Prints what is missing or stale and exits 1 if anything is; 0 otherwise.
"""
import argparse
import os
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promql_sources  # noqa: E402


def scraped_names(text):
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE ") or line.startswith("# HELP "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(line.split("{", 1)[0].split(" ", 1)[0])
    return names


def read_allow(path):
    if not path:
        return set()
    allow = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                allow.add(line)
    return allow


def check(scrape_text, paths, allow):
    """Returns (missing {name: [where]}, stale allow-list names, undefined recorded {name: [where]})."""
    exprs, records = promql_sources.sources(paths)
    exposed = scraped_names(scrape_text)
    missing, undefined = {}, {}
    referenced = set()
    for where, expr in exprs:
        for name in promql_sources.metric_names(expr):
            referenced.add(name)
            if name in promql_sources.BUILTIN:
                continue
            if ":" in name:
                if name not in records:
                    undefined.setdefault(name, []).append(where)
            elif name not in exposed and name not in allow:
                missing.setdefault(name, []).append(where)
    stale = sorted(n for n in allow if n in exposed or n not in referenced)
    return missing, stale, undefined


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--scrape", help="a scrape in the Prometheus text format")
    src.add_argument("--url", help="a metrics endpoint to scrape, e.g. http://127.0.0.1:9464/metrics")
    ap.add_argument("--allow", help="names known not to be exposed yet, one a line")
    ap.add_argument("paths", nargs="+", help="dashboards (*.json) and rule files (*.yaml)")
    args = ap.parse_args()
    if args.url:
        with urllib.request.urlopen(args.url, timeout=10) as r:
            text = r.read().decode("utf-8")
    else:
        with open(args.scrape, encoding="utf-8") as f:
            text = f.read()
    missing, stale, undefined = check(text, args.paths, read_allow(args.allow))
    for name in sorted(missing):
        print(f"missing: {name} (named in {missing[name][0]}" +
              (f" and {len(missing[name]) - 1} more" if len(missing[name]) > 1 else "") + ")")
    for name in sorted(undefined):
        print(f"undefined recorded name: {name} (named in {undefined[name][0]})")
    for name in stale:
        print(f"stale allow-list entry: {name} (exposed now, or no longer named): remove it")
    if missing or stale or undefined:
        return 1
    print(f"every metric named in {len(args.paths)} files is in the scrape")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tests of check_metric_names.py and promql_sources.py: python3 -m unittest check_metric_names_test"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_metric_names  # noqa: E402
import promql_sources  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

RULES = """groups:
  - name: g
    rules:
      - record: center:docket_backlog_cases:sum
        expr: sum by (center) (docket_backlog_cases)
      - alert: Growing
        expr: |
          (center:docket_backlog_cases:sum - center:docket_backlog_cases:sum offset 1d)
            > 0.1 * center:docket_backlog_cases:sum offset 1d
          and on (center) docket_cases_at_risk > 0
        for: 1h
      - alert: Quoted
        expr: 'max(docket_scheduler_leader) < 1 or absent(docket_scheduler_leader)'
      - alert: Down
        expr: up{job=~"docket.*"} == 0
"""

DASHBOARD = """{"panels": [
  {"type": "row", "title": "r", "panels": [
    {"title": "nested", "targets": [{"refId": "A", "expr": "rate(docket_receipts_total{center=\\"$center\\"}[$__rate_interval])"}]}]},
  {"title": "p", "targets": [
    {"refId": "A", "expr": "histogram_quantile(0.8, sum by (le, form) (rate(docket_cycle_time_seconds_bucket[1d]))) / 86400"},
    {"refId": "B", "expr": "center:docket_undefined:sum"}]}],
 "templating": {"list": [
   {"type": "query", "name": "center", "query": {"query": "label_values(docket_officers{presence=\\"away\\"}, center)"}},
   {"type": "datasource", "name": "datasource", "query": "prometheus"}]}}
"""

SCRAPE = """# HELP docket_backlog_cases Cases
# TYPE docket_backlog_cases gauge
docket_backlog_cases{center="VSC",form="I-130",state="queued"} 3
# TYPE docket_cycle_time_seconds histogram
docket_cycle_time_seconds_bucket{center="VSC",form="I-130",le="3600"} 0
docket_cycle_time_seconds_sum{center="VSC",form="I-130"} 0
docket_cycle_time_seconds_count{center="VSC",form="I-130"} 0
docket_receipts_total{center="VSC",form="I-130",priority="normal"} 1
docket_officers{center="VSC",presence="away"} 1
"""


class MetricNamesTest(unittest.TestCase):
    def test_names_leave_out_functions_labels_strings_and_grouping(self):
        self.assertEqual(promql_sources.metric_names(
            'sum by (center, docket_label) (rate(docket_a_total{form=~"docket_b.*"}[5m])) '
            '/ on (center) group_left (x) docket_c > bool 0 unless absent(docket_d)'),
            {"docket_a_total", "docket_c", "docket_d"})
        self.assertEqual(promql_sources.metric_names("job:docket_x:sum offset 1d * 2"), {"job:docket_x:sum"})
        self.assertEqual(promql_sources.metric_names('up{job="docket"} == 0'), {"up"})
        self.assertEqual(promql_sources.metric_names("vector(1) + $docket_var"), set())

    def test_rule_files_give_inline_quoted_and_block_expressions(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(RULES)
        try:
            exprs, records = promql_sources.rule_file(f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(records, {"center:docket_backlog_cases:sum"})
        self.assertEqual(len(exprs), 4)
        self.assertIn("and on (center) docket_cases_at_risk > 0", exprs[1][1])
        self.assertEqual(exprs[2][1], "max(docket_scheduler_leader) < 1 or absent(docket_scheduler_leader)")

    def _files(self):
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        paths = []
        for name, text in (("r.rules.yaml", RULES), ("d.json", DASHBOARD), ("scrape.txt", SCRAPE)):
            paths.append(os.path.join(d, name))
            with open(paths[-1], "w") as f:
                f.write(text)
        return paths

    def test_missing_stale_and_undefined_are_reported(self):
        rules, board, scrape = self._files()
        with open(scrape) as f:
            text = f.read()
        missing, stale, undefined = check_metric_names.check(text, [rules, board],
                                                             {"docket_scheduler_leader", "docket_backlog_cases",
                                                              "docket_gone"})
        self.assertEqual(set(missing), {"docket_cases_at_risk"})
        self.assertEqual(stale, ["docket_backlog_cases", "docket_gone"])
        self.assertEqual(set(undefined), {"center:docket_undefined:sum"})

    def test_command_line_exit_codes(self):
        rules, board, scrape = self._files()
        tool = os.path.join(HERE, "check_metric_names.py")
        allow = scrape + ".allow"
        with open(allow, "w") as f:
            f.write("# not yet\ndocket_scheduler_leader\n")
        bad = subprocess.run([sys.executable, tool, "--scrape", scrape, "--allow", allow, rules, board],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("missing: docket_cases_at_risk", bad.stdout)
        self.assertIn("undefined recorded name: center:docket_undefined:sum", bad.stdout)
        with open(scrape, "a") as f:
            f.write('docket_cases_at_risk{center="VSC",form="I-130"} 0\n')
        ok = subprocess.run([sys.executable, tool, "--scrape", scrape, "--allow", allow, rules],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stdout)


if __name__ == "__main__":
    unittest.main()

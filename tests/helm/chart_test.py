#!/usr/bin/python3
"""Checks of the Helm chart in helm/docket that need no helm binary: the chart metadata, the
values against their schema (and the schema's strictness), the values the templates use, the
flags the templates pass against the programs' own, and the chart's copies of the rules and the
national configuration against their sources."""

import json
import os
import re
import unittest

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHART = os.path.join(ROOT, "helm", "docket")
TEMPLATES = os.path.join(CHART, "templates")


def read(*parts):
    with open(os.path.join(*parts), encoding="utf-8") as f:
        return f.read()


def templates():
    """Every template file's name and text."""
    return {n: read(TEMPLATES, n) for n in sorted(os.listdir(TEMPLATES))}


def program_flags(*sources):
    """The long options a program declares with CLI11's add_option/add_flag, and the --help
    CLI11 adds by itself."""
    flags = {"--help"}
    for source in sources:
        for names in re.findall(r'add_(?:option|flag)\(\s*"([^"]+)"', read(ROOT, source)):
            flags.update(n for n in names.split(",") if n.startswith("--"))
    return flags


SCHEDULER_FLAGS = program_flags("scheduler/app/src/main.cc")
WORKER_FLAGS = program_flags("workers/app/main.cc")
DOCKETCTL_FLAGS = program_flags("cli/src/app.cc")
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


class Chart(unittest.TestCase):
    def test_metadata(self):
        chart = yaml.safe_load(read(CHART, "Chart.yaml"))
        self.assertEqual(chart["apiVersion"], "v2")
        self.assertEqual(chart["name"], "docket")
        self.assertEqual(chart["type"], "application")
        version = re.search(r"project\(docket VERSION ([0-9.]+)", read(ROOT, "CMakeLists.txt"))
        self.assertEqual(chart["appVersion"], version.group(1),
                         "appVersion must be the project version of the top CMakeLists.txt")

    def test_standard_helpers_defined(self):
        helpers = read(TEMPLATES, "_helpers.tpl")
        for name in ("name", "fullname", "chart", "labels", "selectorLabels", "serviceAccountName"):
            self.assertIn('{{- define "docket.%s" -}}' % name, helpers)

    def test_template_actions_balanced(self):
        # Without helm the templates cannot be rendered; an unclosed action or block is the error
        # most easily made by hand, so count them.
        for name, text in templates().items():
            self.assertEqual(text.count("{{"), text.count("}}"), name)
            actions = re.findall(r"\{\{-?\s*(if|with|range|define|end)\b", text)
            opened = sum(1 for a in actions if a != "end")
            self.assertEqual(opened, actions.count("end"), f"{name}: blocks and ends differ")


class Values(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.values = yaml.safe_load(read(CHART, "values.yaml"))
        cls.schema = json.loads(read(CHART, "values.schema.json"))
        jsonschema.Draft7Validator.check_schema(cls.schema)
        cls.validator = jsonschema.Draft7Validator(cls.schema)

    def errors(self, values):
        return list(self.validator.iter_errors(values))

    def test_values_valid(self):
        self.assertEqual([e.message for e in self.errors(self.values)], [])

    def test_schema_closed_at_every_level(self):
        def walk(node, where):
            if isinstance(node, dict):
                if "properties" in node:
                    self.assertIs(node.get("additionalProperties"), False, where)
                for key, child in node.items():
                    walk(child, f"{where}/{key}")
            elif isinstance(node, list):
                for i, child in enumerate(node):
                    walk(child, f"{where}/{i}")

        walk(self.schema, "#")

    def test_schema_rejects_unknown_keys_and_wrong_types(self):
        def changed(path, value):
            v = json.loads(json.dumps(self.values))
            node = v
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            return v

        rejected = {
            "unknown top-level key": changed(["replicaCount"], 2),
            "unknown nested key": changed(["scheduler", "replicas"], 2),
            "misspelt securityContext field": changed(["scheduler", "securityContext", "readOnly"], True),
            "string for an integer": changed(["scheduler", "replicaCount"], "two"),
            "lease below the scheduler's minimum": changed(["scheduler", "leaseMs"], 299),
            "port out of range": changed(["scheduler", "ports", "workers"], 70000),
            "unknown Service type": changed(["service", "type"], "Headless"),
            "Redis address without a port": changed(["redis", "address"], "redis"),
        }
        for what, values in rejected.items():
            with self.subTest(what):
                self.assertNotEqual(self.errors(values), [])
        self.assertEqual(self.errors(changed(["redis", "address"], "redis-master.data:6379")), [])

    def test_every_value_used_by_templates_exists(self):
        def exists(path):
            node = self.values
            for key in path:
                if not isinstance(node, dict) or key not in node:
                    return False
                node = node[key]
            return True

        for name, text in templates().items():
            for path in re.findall(r"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)", text):
                with self.subTest(template=name, path=path):
                    self.assertTrue(exists(path.strip(".").split(".")), f".Values{path}")

    def test_every_value_documented(self):
        # Keys of the first two levels each have a comment line right above them.
        lines = read(CHART, "values.yaml").splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^( {2})?[A-Za-z][A-Za-z0-9]*:", line):
                with self.subTest(line=i + 1, key=line.strip()):
                    self.assertTrue(i > 0 and lines[i - 1].lstrip().startswith("#"))

    def test_secure_defaults(self):
        for component in ("scheduler", "worker"):
            v = self.values[component]
            self.assertTrue(v["podSecurityContext"]["runAsNonRoot"], component)
            self.assertTrue(v["securityContext"]["readOnlyRootFilesystem"], component)
            self.assertFalse(v["securityContext"]["allowPrivilegeEscalation"], component)
        self.assertFalse(self.values["worker"]["enabled"])
        self.assertFalse(self.values["serviceMonitor"]["enabled"])
        self.assertFalse(self.values["prometheusRule"]["enabled"])
        self.assertEqual(self.values["scheduler"]["replicaCount"], 2)


class Flags(unittest.TestCase):
    def assert_known(self, text, known, where):
        for flag in FLAG.findall(text):
            with self.subTest(where=where, flag=flag):
                self.assertIn(flag, known)

    def test_flags_found_in_sources(self):
        # Guards the checks below against a parser that finds nothing.
        for flag in ("--config", "--redis", "--workers", "--management", "--metrics-listen",
                     "--lease-ms", "--curve-key-file"):
            self.assertIn(flag, SCHEDULER_FLAGS)
        for flag in ("--scheduler", "--simulate", "--center", "--curve-server-key"):
            self.assertIn(flag, WORKER_FLAGS)

    def test_scheduler_template_flags(self):
        text = read(TEMPLATES, "scheduler-deployment.yaml")
        self.assert_known(text, SCHEDULER_FLAGS, "scheduler-deployment.yaml")
        for flag in ("--config", "--redis", "--workers", "--management", "--metrics-listen",
                     "--lease-ms", "--curve-key-file"):
            self.assertIn(flag, text)

    def test_worker_template_flags(self):
        self.assert_known(read(TEMPLATES, "worker-deployment.yaml"), WORKER_FLAGS,
                          "worker-deployment.yaml")

    def test_notes_and_values_flags(self):
        for i, line in enumerate(read(TEMPLATES, "NOTES.txt").splitlines()):
            if line.lstrip().startswith("kubectl"):
                continue
            known = WORKER_FLAGS if "docket-worker" in line else DOCKETCTL_FLAGS
            self.assert_known(line, known, f"NOTES.txt:{i + 1}")
        for i, line in enumerate(read(CHART, "values.yaml").splitlines()):
            self.assert_known(line, SCHEDULER_FLAGS | WORKER_FLAGS, f"values.yaml:{i + 1}")

    def test_probes(self):
        # Only the leader binds the workers socket; every replica serves /metrics.
        text = read(TEMPLATES, "scheduler-deployment.yaml")
        self.assertRegex(text, r"readinessProbe:\s*\n\s*tcpSocket:\s*\n\s*port: workers")
        self.assertRegex(text, r"livenessProbe:\s*\n\s*httpGet:\s*\n\s*path: /metrics\s*\n\s*port: metrics")
        for name in ("scheduler-deployment.yaml", "worker-deployment.yaml"):
            self.assertIn("checksum/config:", read(TEMPLATES, name), name)


class Copies(unittest.TestCase):
    """Helm reads no file outside the chart, so the chart holds copies; the sources stay the one
    truth and the copies must equal them."""

    def test_rules_copy(self):
        copy = read(CHART, "files", "docket.rules.yaml")
        self.assertEqual(copy, read(ROOT, "metrics", "rules", "docket.rules.yaml"),
                         "cp metrics/rules/docket.rules.yaml helm/docket/files/")
        self.assertIn("groups", yaml.safe_load(copy))

    def test_national_config_copy(self):
        copies = os.path.join(CHART, "files", "national")
        entry = yaml.safe_load(read(copies, "docket.yaml"))
        needed = {"docket.yaml"} | {entry[k] for k in ("centers", "forms", "officers")}
        self.assertEqual(set(os.listdir(copies)), needed)
        for name in needed:
            with self.subTest(name):
                self.assertEqual(read(copies, name), read(ROOT, "config", "national", name),
                                 f"cp config/national/{name} helm/docket/files/national/")

    def test_worker_center_exists(self):
        centers = yaml.safe_load(read(ROOT, "config", "national", "centers.yaml"))
        codes = {c["code"] for c in centers["centers"]}
        self.assertIn(yaml.safe_load(read(CHART, "values.yaml"))["worker"]["center"], codes)


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Writes Docket's Grafana dashboards (JSON) next to this file.

The JSON files are what Grafana imports; this script is their source. Edit it and run it again;
ctest (metrics_dashboards_generated) fails when the JSON and the script disagree.

  docket-national.json   national overview: backlog, throughput, processing times, risk, the
                         scheduler, rebalancing and the platform's health
  docket-center.json     one center (template variable `center`, and `form`)
  docket-officers.json   officer presence, utilization and offers (variable `center`, multi)
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
DAY = 86400


class Board:
    def __init__(self, uid, title, description, variables):
        self.uid, self.title, self.description = uid, title, description
        self.variables = variables
        self.panels = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def _id(self):
        self.next_id += 1
        return self.next_id - 1

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self):
        if self.x:
            self.y += self.row_h
            self.x, self.row_h = 0, 0

    def panel(self, kind, title, targets, unit="short", w=12, h=8, description="", stack=False,
              decimals=None, thresholds=None, legend_table=False):
        if self.x + w > 24:
            self._newline()
        defaults = {"unit": unit}
        if decimals is not None:
            defaults["decimals"] = decimals
        if thresholds:
            defaults["thresholds"] = {"mode": "absolute", "steps": [
                {"color": c, "value": v} for v, c in thresholds]}
        if kind == "timeseries":
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 20 if stack else 0,
                                  "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
        p = {
            "type": kind, "title": title, "id": self._id(), "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "targets": [],
        }
        if description:
            p["description"] = description
        if kind == "timeseries":
            p["options"] = {"legend": {"displayMode": "table" if legend_table else "list",
                                       "placement": "bottom", "showLegend": True},
                            "tooltip": {"mode": "multi", "sort": "desc"}}
        elif kind in ("stat", "bargauge", "gauge"):
            p["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                            "orientation": "horizontal"}
        elif kind == "table":
            p["options"] = {"showHeader": True}
        for i, t in enumerate(targets):
            expr, legend = t if isinstance(t, tuple) else (t, "")
            target = {"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend}
            if kind in ("stat", "bargauge", "gauge", "table"):
                target["instant"] = True
                if kind == "table":
                    target["format"] = "table"
            p["targets"].append(target)
        self.panels.append(p)
        self.x += w
        self.row_h = max(self.row_h, h)

    def json(self):
        templating = [{
            "name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "regex": "", "options": []}]
        templating += self.variables
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": ["docket"], "timezone": "utc", "schemaVersion": 37, "version": 1,
            "editable": True, "graphTooltip": 1, "refresh": "1m",
            "time": {"from": "now-7d", "to": "now"},
            "templating": {"list": templating},
            "annotations": {"list": []},
            "links": [{"type": "dashboards", "tags": ["docket"], "title": "Docket", "asDropdown": True}],
            "panels": self.panels,
        }


def query_var(name, label, query, multi=False, include_all=False):
    v = {"name": name, "label": label, "type": "query", "datasource": DS,
         "query": {"query": query, "refId": name}, "definition": query,
         "refresh": 2, "sort": 1, "multi": multi, "includeAll": include_all, "current": {},
         "hide": 0, "regex": "", "options": []}
    if include_all:
        v["allValue"] = ".*"
    return v


def national():
    b = Board("docket-national", "Docket / National overview",
              "Backlog, throughput, processing times and deadline risk across all centers; the "
              "scheduler, rebalancing and platform health.", [])
    b.row("Agency")
    b.panel("stat", "Backlog", ["sum(docket_backlog_cases)"], w=4, h=4,
            description="Cases queued, offered, assigned, on hold, with an RFE out or in QA review.")
    b.panel("stat", "Receipts / day", ["sum(center:docket_receipts:rate1h) * 86400"], w=4, h=4, decimals=0)
    b.panel("stat", "Completions / day", ["sum(center:docket_completions:rate1h) * 86400"], w=4, h=4, decimals=0)
    b.panel("stat", "Cases at risk", ["sum(center:docket_cases_at_risk:sum)"], w=4, h=4,
            thresholds=[(None, "green"), (1, "orange"), (1000, "red")])
    b.panel("stat", "Deadline misses (24 h)", ["sum(increase(docket_deadline_misses_total[1d]))"], w=4, h=4,
            decimals=0, thresholds=[(None, "green"), (1, "red")])
    b.panel("stat", "Leader / workers", [("max(docket_scheduler_leader)", "leader"),
                                         ("max(docket_workers_connected)", "workers")], w=4, h=4)
    b.panel("timeseries", "Backlog by center", [("center:docket_backlog_cases:sum", "{{center}}")], stack=True)
    b.panel("timeseries", "Backlog by state", [("sum by (state) (docket_backlog_cases)", "{{state}}")], stack=True)
    b.panel("timeseries", "Receipts and completions per day",
            [("sum(center:docket_receipts:rate1h) * 86400", "receipts"),
             ("sum(center:docket_completions:rate1h) * 86400", "completions"),
             ("sum by (outcome) (rate(docket_completions_total[1d])) * 86400", "{{outcome}} (1 d)")])
    b.panel("timeseries", "Backlog by form", [("form:docket_backlog_cases:sum", "{{form}}")], stack=True,
            legend_table=True)
    b.row("Processing times")
    b.panel("bargauge", "Posted processing time by form (days, 80th percentile, 6 months)",
            [("max by (form) (docket_posted_processing_time_seconds) / 86400", "{{form}}")], unit="d", h=10,
            description="The agency's posted processing time: 80% of the cases completed in the last six "
                        "months took at most this long. Worst center per form.")
    b.panel("timeseries", "Cycle time, receipt to decision (days)",
            [("histogram_quantile(0.5, sum by (le) (rate(docket_cycle_time_seconds_bucket[1d]))) / 86400", "median"),
             ("histogram_quantile(0.8, sum by (le) (rate(docket_cycle_time_seconds_bucket[1d]))) / 86400", "80th"),
             ("histogram_quantile(0.93, sum by (le) (rate(docket_cycle_time_seconds_bucket[1d]))) / 86400", "93rd")],
            unit="d", h=10)
    b.panel("timeseries", "Queue wait before an offer (hours)",
            [("histogram_quantile(0.5, sum by (le) (rate(docket_queue_wait_seconds_bucket[1h]))) / 3600", "median"),
             ("histogram_quantile(0.9, sum by (le) (rate(docket_queue_wait_seconds_bucket[1h]))) / 3600", "90th")],
            unit="h")
    b.panel("table", "Posted processing time by center and form (days)",
            [("docket_posted_processing_time_seconds / 86400", "")], unit="d")
    b.row("Deadlines")
    b.panel("timeseries", "Cases at risk by center", [("center:docket_cases_at_risk:sum", "{{center}}")], stack=True)
    b.panel("timeseries", "Deadline misses per hour by priority",
            [("sum by (priority) (increase(docket_deadline_misses_total[1h]))", "{{priority}}")])
    b.row("Scheduler")
    b.panel("timeseries", "Assignment round phases, 95th percentile",
            [("histogram_quantile(0.95, sum by (le, phase) (rate(docket_assignment_round_seconds_bucket[5m])))",
              "{{phase}}")], unit="s", w=8)
    b.panel("timeseries", "Offers and rounds per minute",
            [("sum(rate(docket_assignment_offers_total[5m])) * 60", "offers"),
             ("sum(rate(docket_assignment_rounds_total[5m])) * 60", "rounds"),
             ("sum(rate(docket_short_rounds_total[5m])) * 60", "short-queue rounds")], w=8,
            description="Short-queue rounds place a short queue at once without solving the graph "
                        "(--short-queue); the others solve it.")
    b.panel("timeseries", "Queued cases and free slots",
            [("max(docket_queued_cases)", "queued"), ("max(docket_free_officer_slots)", "free slots")], w=8)
    b.panel("timeseries", "Offers per round (median)",
            [("histogram_quantile(0.5, sum by (le) (rate(docket_assignment_round_offers_bucket[15m])))", "median")],
            w=8)
    b.panel("timeseries", "Flow graph arcs", [("max(docket_assignment_graph_arcs)", "arcs")], w=8)
    b.panel("timeseries", "Offer latency, 95th percentile",
            [("histogram_quantile(0.95, sum by (le) (rate(docket_offer_latency_seconds_bucket[5m])))", "p95")],
            unit="s", w=8)
    b.row("Rebalancing")
    b.panel("timeseries", "Rebalance runs per day",
            [("sum by (kind, result) (increase(docket_rebalance_runs_total[1d]))", "{{kind}} {{result}}")], w=8)
    b.panel("table", "Cases moved (7 days)",
            [("sum by (from_center, to_center) (increase(docket_rebalance_cases_moved_total[7d]))", "")], w=8)
    b.panel("timeseries", "Rebalance plan time, 95th percentile",
            [("histogram_quantile(0.95, sum by (le) (rate(docket_rebalance_plan_seconds_bucket[1d])))", "p95")],
            unit="s", w=8)
    b.row("Platform")
    b.panel("stat", "Targets up", [("up{job=~\"docket.*\"}", "{{instance}}")], w=6, h=6,
            thresholds=[(None, "red"), (1, "green")])
    b.panel("timeseries", "Leader and term by instance",
            [("docket_scheduler_leader", "{{instance}} leader"),
             ("docket_scheduler_leader_term", "{{instance}} term")], w=6, h=6)
    b.panel("timeseries", "Lease renewals and elections per hour",
            [("sum by (result) (increase(docket_scheduler_lease_renewals_total[1h]))", "renewals {{result}}"),
             ("sum(increase(docket_scheduler_elections_total[1h]))", "elections")], w=6, h=6,
            description="Renewals of the leader lease by result (ok; failed: Redis did not answer; "
                        "lost: the lease was taken) and elections won by any scheduler. More than two "
                        "elections in half an hour fires DocketLeaderFlapping.")
    b.panel("table", "Build", [("docket_build_info", "")], w=6, h=6)
    b.panel("timeseries", "Redis errors and reconnects per minute",
            [("sum by (kind) (rate(docket_redis_errors_total[5m])) * 60", "{{kind}}"),
             ("sum(rate(docket_redis_reconnects_total[5m])) * 60", "reconnects")], w=8)
    b.panel("timeseries", "Store call time, 99th percentile",
            [("histogram_quantile(0.99, sum by (le) (rate(docket_store_call_seconds_bucket[5m])))", "p99")],
            unit="s", w=8)
    b.panel("timeseries", "Store transitions per second by result",
            [("sum by (result) (rate(docket_store_transitions_total[5m]))", "{{result}}"),
             ("sum(rate(docket_store_fenced_total[5m]))", "fenced calls")], w=8,
            description="Fenced calls are writes the store refused because their leader term was no "
                        "longer current (DocketWriteFenced).")
    b.panel("timeseries", "Messages per second",
            [("sum by (socket, type) (rate(docket_messages_total[5m]))", "{{socket}} {{type}}")], w=8)
    b.panel("timeseries", "Messages rejected per minute",
            [("sum by (socket, reason) (rate(docket_messages_rejected_total[5m])) * 60", "{{socket}} {{reason}}")],
            w=8)
    b.panel("timeseries", "ZeroMQ errors per minute",
            [("sum by (socket) (rate(docket_zmq_errors_total[5m])) * 60", "{{socket}}")], w=8)
    return b


def center():
    c = 'center="$center",form=~"$form"'
    b = Board("docket-center", "Docket / Center",
              "One center: backlog, throughput, processing times and deadlines by form; its "
              "officers, offers and transfers.",
              [query_var("center", "Center", "label_values(docket_backlog_cases, center)"),
               query_var("form", "Form", 'label_values(docket_backlog_cases{center="$center"}, form)',
                         multi=True, include_all=True)])
    b.row("Backlog")
    b.panel("stat", "Backlog", [f"sum(docket_backlog_cases{{{c}}})"], w=6, h=4)
    b.panel("stat", "Completions / day", [f"sum(rate(docket_completions_total{{{c}}}[1d])) * 86400"], w=6, h=4,
            decimals=0)
    b.panel("stat", "Cases at risk", [f"sum(docket_cases_at_risk{{{c}}})"], w=6, h=4,
            thresholds=[(None, "green"), (1, "orange"), (100, "red")])
    b.panel("stat", "Utilization", ['docket_officer_utilization_ratio{center="$center"}'], unit="percentunit",
            w=6, h=4)
    b.panel("timeseries", "Backlog by state", [(f"sum by (state) (docket_backlog_cases{{{c}}})", "{{state}}")],
            stack=True)
    b.panel("timeseries", "Backlog by form", [(f"sum by (form) (docket_backlog_cases{{{c}}})", "{{form}}")],
            stack=True, legend_table=True)
    b.panel("timeseries", "Receipts per day by form",
            [(f"sum by (form) (rate(docket_receipts_total{{{c}}}[1d])) * 86400", "{{form}}")])
    b.panel("timeseries", "Completions per day by outcome",
            [(f"sum by (outcome) (rate(docket_completions_total{{{c}}}[1d])) * 86400", "{{outcome}}")], stack=True)
    b.row("Processing times")
    b.panel("bargauge", "Posted processing time (days, 80th percentile, 6 months)",
            [(f"docket_posted_processing_time_seconds{{{c}}} / 86400", "{{form}}")], unit="d")
    b.panel("timeseries", "Cycle time, 80th percentile of the last 7 days (days)",
            [(f"histogram_quantile(0.8, sum by (form, le) (rate(docket_cycle_time_seconds_bucket{{{c}}}[7d]))) / 86400",
              "{{form}}")], unit="d")
    b.panel("timeseries", "Queue wait, 90th percentile (hours)",
            [(f"histogram_quantile(0.9, sum by (form, le) (rate(docket_queue_wait_seconds_bucket{{{c}}}[1h]))) / 3600",
              "{{form}}")], unit="h")
    b.panel("timeseries", "Receipts by priority per day",
            [(f"sum by (priority) (rate(docket_receipts_total{{{c}}}[1d])) * 86400", "{{priority}}")])
    b.row("Deadlines")
    b.panel("timeseries", "Cases at risk by form", [(f"docket_cases_at_risk{{{c}}}", "{{form}}")], stack=True)
    b.panel("timeseries", "Deadline misses per day by priority",
            [(f"sum by (priority) (increase(docket_deadline_misses_total{{{c}}}[1d]))", "{{priority}}")])
    b.row("Officers and offers")
    b.panel("timeseries", "Officers by presence", [('docket_officers{center="$center"}', "{{presence}}")],
            stack=True, w=8)
    b.panel("timeseries", "Offers per hour by outcome",
            [('sum by (outcome) (rate(docket_offer_outcomes_total{center="$center"}[1h])) * 3600', "{{outcome}}"),
             ('sum(rate(docket_leases_expired_total{center="$center"}[1h])) * 3600', "leases expired")], w=8)
    b.panel("timeseries", "Utilization", [('docket_officer_utilization_ratio{center="$center"}', "utilization")],
            unit="percentunit", w=8)
    b.row("Transfers")
    b.panel("table", "Cases moved in (7 days)",
            [('sum by (from_center, form) (increase(docket_rebalance_cases_moved_total{to_center="$center"}[7d]))', "")])
    b.panel("table", "Cases moved out (7 days)",
            [('sum by (to_center, form) (increase(docket_rebalance_cases_moved_total{from_center="$center"}[7d]))', "")])
    return b


def officers():
    c = 'center=~"$center"'
    b = Board("docket-officers", "Docket / Officer utilization",
              "Officer presence and utilization by center, offers and their outcomes.",
              [query_var("center", "Center", "label_values(docket_officers, center)", multi=True,
                         include_all=True)])
    b.row("Presence and load")
    b.panel("bargauge", "Utilization by center (available officers: load / capacity)",
            [(f"docket_officer_utilization_ratio{{{c}}}", "{{center}}")], unit="percentunit", h=10,
            thresholds=[(None, "blue"), (0.5, "green"), (0.95, "orange")])
    b.panel("timeseries", "Utilization over time", [(f"docket_officer_utilization_ratio{{{c}}}", "{{center}}")],
            unit="percentunit", h=10)
    b.panel("timeseries", "Officers by presence", [(f"sum by (presence) (docket_officers{{{c}}})", "{{presence}}")],
            stack=True)
    b.panel("timeseries", "Available officers by center",
            [(f'docket_officers{{{c},presence="available"}}', "{{center}}")], stack=True)
    b.panel("timeseries", "Free officer slots and connected workers",
            [("max(docket_free_officer_slots)", "free slots"), ("max(docket_workers_connected)", "workers")])
    b.panel("timeseries", "Completions per available officer per day",
            [(f"sum by (center) (rate(docket_completions_total{{{c}}}[1d])) * 86400"
              f' / sum by (center) (docket_officers{{{c},presence="available"}})', "{{center}}")])
    b.row("Offers")
    b.panel("timeseries", "Offer outcomes per hour",
            [(f"sum by (outcome) (rate(docket_offer_outcomes_total{{{c}}}[1h])) * 3600", "{{outcome}}")],
            stack=True, w=8)
    b.panel("timeseries", "Share of offers accepted",
            [(f"center:docket_offer_outcomes:accepted_ratio_rate1h{{{c}}}", "{{center}}")], unit="percentunit", w=8)
    b.panel("timeseries", "Leases expired per hour",
            [(f"sum by (center) (rate(docket_leases_expired_total{{{c}}}[1h])) * 3600", "{{center}}")], w=8)
    b.panel("timeseries", "Offer latency (offer sent to answer)",
            [("histogram_quantile(0.5, sum by (le) (rate(docket_offer_latency_seconds_bucket[5m])))", "median"),
             ("histogram_quantile(0.95, sum by (le) (rate(docket_offer_latency_seconds_bucket[5m])))", "95th")],
            unit="s")
    b.panel("timeseries", "Queue wait, 90th percentile by center (hours)",
            [(f"histogram_quantile(0.9, sum by (center, le) (rate(docket_queue_wait_seconds_bucket{{{c}}}[1h]))) / 3600",
              "{{center}}")], unit="h")
    return b


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, board in (("docket-national.json", national()), ("docket-center.json", center()),
                        ("docket-officers.json", officers())):
        with open(os.path.join(out, name), "w", encoding="utf-8") as f:
            json.dump(board.json(), f, indent=2, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generates officers.csv, the officer roster of the sample national configuration.

Reads centers.yaml and forms.yaml next to this script (which forms each center adjudicates, each
form's skill and minimum level, its receipts and effort) and writes officers.csv. The output is
deterministic (fixed seed), so the committed file can be regenerated and compared:

    python3 config/national/generate_officers.py

Standard library only. Every number below that is not taken from ../../../shared/data is an
assumption, and its comment says so and why.
"""

import math
import os
import random
import re

SEED = 20250930

# Authorized positions per site, before scaling.
POSITIONS = {
    # uscis_sites.csv (S14): authorized positions in 2003.
    "CSC": 816,
    "NSC": 586,
    "TSC": 605,
    "VSC": 803,
    "NBC": 207,
    # uscis_sites.csv (S16): 480 authorized positions, 86% staffed at the end of FY2023.
    "HART": round(480 * 0.86),
    # Assumption: PSC's staffing is blank in the data. It takes workloads moved from other
    # centers (S15), so it is sized between the NBC (207) and the NSC (586): 400 positions.
    "PSC": 400,
    # Assumption: field-office staffing is blank in the data. The five offices the data names are
    # sized by their pending I-485 queues (uscis_sites.csv) at one position per 400 pending
    # I-485s, which makes the largest (Houston, 47,543 pending) about 120 positions: a seventh of a
    # large service center, for one office among about 90.
    "FO-HOU": round(47543 / 400),
    "FO-TPA": round(41460 / 400),
    "FO-KEN": round(40794 / 400),
    "FO-HIA": round(38130 / 400),
    "FO-DAL": round(32149 / 400),
    # Assumption: the offices added in centers.yaml have no queue figure in the data; each is sized
    # like Dallas, the smallest of the named five (80 positions).
    "FO-NYC": 80,
    "FO-LAX": 80,
    "FO-CHI": 80,
    "FO-NWK": 80,
    "FO-SFR": 80,
    # Assumption: asylum-office staffing is blank in the data; 60 positions each, three quarters
    # of a modelled field office, since asylum offices run one form.
    "AO-HOU": 60,
    "AO-MIA": 60,
    "AO-NWK": 60,
    "AO-LAX": 60,
}

# The roster is scaled so the sample has about 3,000 officers (4,970 positions x 0.6 = 2,982),
# keeping the proportions between sites.
SCALE = 0.6

# Assumption: no public data on officer proficiency. Levels of an officer's main certification
# spread around the middle: a few trainees (1), a few experts (5).
LEVEL_WEIGHTS = {1: 0.10, 2: 0.25, 3: 0.35, 4: 0.20, 5: 0.10}
# Assumption: officers are cross-trained on up to two further forms of their center, one level
# below their main certification (never below 1): 40% none, 40% one, 20% two.
EXTRA_SKILL_WEIGHTS = {0: 0.4, 1: 0.4, 2: 0.2}
# Assumption: the first officers of each center cover its certifications round-robin, at least
# at the level the forms require, twice over, so that every form has qualified officers at every
# center that adjudicates it however small the center is.
COVERAGE_ROUNDS = 2
# Assumption: half the officers at level 4 or 5 in their main certification are senior (may do
# QA review), about 15% of the roster.
SENIOR_SHARE_OF_EXPERTS = 0.5
# Assumption: clearance tiers. A small share holds top_secret for the controlled national-security
# track (SOURCES.md: specially trained officers); every site keeps at least one such officer so
# that a flagged case never has to leave its jurisdiction.
TOP_SECRET_SHARE = 0.03
SECRET_SHARE = 0.15
# Assumption: concurrent cases. Paper-based centers hold 4 to 8 files at a time; interviewing
# offices 2 to 4, since each case is tied to a scheduled interview.
CAPACITY_PAPER = (4, 8)
CAPACITY_INTERVIEW = (2, 4)
# Assumption: presence when the roster is loaded (leave and training take some officers away).
PRESENCE_WEIGHTS = {"available": 0.92, "away": 0.05, "offline": 0.03}
# Assumption: languages other than English, by share of officers. A national base, raised where
# the local caseload calls for it (Spanish and Haitian Creole in Florida, Spanish and Vietnamese in
# Texas, Chinese and Tagalog in California, ...). No staffing-by-language data is public.
LANGUAGE_BASE = {"es": 0.20, "zh": 0.03, "vi": 0.02, "ar": 0.02, "ht": 0.01, "ru": 0.02,
                 "fr": 0.03, "tl": 0.02, "hi": 0.02, "pt": 0.01}
LANGUAGE_BOOST = {
    "FO-KEN": {"es": 0.60, "ht": 0.10, "pt": 0.03},
    "FO-HIA": {"es": 0.65, "ht": 0.10},
    "AO-MIA": {"es": 0.55, "ht": 0.12, "fr": 0.06},
    "FO-TPA": {"es": 0.45, "ht": 0.05},
    "FO-HOU": {"es": 0.45, "vi": 0.06, "ar": 0.03},
    "AO-HOU": {"es": 0.50, "ar": 0.04},
    "FO-DAL": {"es": 0.45, "vi": 0.05},
    "TSC": {"es": 0.35, "vi": 0.04},
    "CSC": {"es": 0.35, "zh": 0.06, "tl": 0.05, "vi": 0.04},
    "FO-LAX": {"es": 0.45, "zh": 0.08, "tl": 0.06, "vi": 0.05},
    "AO-LAX": {"es": 0.40, "zh": 0.10, "hi": 0.04},
    "FO-SFR": {"es": 0.30, "zh": 0.12, "tl": 0.08, "vi": 0.05},
    "FO-NYC": {"es": 0.35, "zh": 0.08, "ru": 0.05, "fr": 0.04},
    "FO-NWK": {"es": 0.35, "pt": 0.05, "ar": 0.04, "hi": 0.04},
    "AO-NWK": {"es": 0.35, "fr": 0.06, "ar": 0.05, "ru": 0.04},
    "FO-CHI": {"es": 0.35, "ar": 0.04, "ru": 0.03},
    "VSC": {"fr": 0.05},
}
# Assumption: the routing weight of a form whose annual receipts are blank in the data is that of
# the smallest known figure (I-129F, 43,158), so it gets officers without dominating any center.
BLANK_RECEIPTS_WEIGHT = 43158

HERE = os.path.dirname(os.path.abspath(__file__))
INTERVIEW_KINDS = ("field_office", "asylum_office")


def read_centers(path):
    centers = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].rstrip()
        m = re.match(r"\s*- code:\s*(\S+)$", line)
        if m:
            centers.append({"code": m.group(1)})
            continue
        m = re.match(r"\s+kind:\s*(\S+)$", line)
        if m and centers:
            centers[-1]["kind"] = m.group(1)
    return centers


def read_forms(path):
    forms = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].rstrip()
        m = re.match(r"\s*- code:\s*(\S+)$", line)
        if m:
            forms.append({"code": m.group(1), "centers": [], "receipts": None})
            continue
        if not forms:
            continue
        form = forms[-1]
        for key, cast in (("skill", str), ("min_level", int), ("effort_hours", float)):
            m = re.match(r"\s+%s:\s*(\S+)$" % key, line)
            if m:
                form[key] = cast(m.group(1))
        m = re.match(r"\s+centers:\s*\[(.*)\]$", line)
        if m:
            form["centers"] = [c.strip() for c in m.group(1).split(",") if c.strip()]
        m = re.search(r"annual_receipts:\s*(\d+)", line)
        if m:
            form["receipts"] = int(m.group(1))
    return forms


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def main():
    rng = random.Random(SEED)
    centers = read_centers(os.path.join(HERE, "centers.yaml"))
    forms = read_forms(os.path.join(HERE, "forms.yaml"))
    codes = [c["code"] for c in centers]
    assert sorted(codes) == sorted(POSITIONS), "POSITIONS must list exactly the centers of centers.yaml"

    rows = []
    for center in centers:
        code = center["code"]
        count = math.floor(POSITIONS[code] * SCALE + 0.5)
        here = [f for f in forms if not f["centers"] or code in f["centers"]]
        # Required level and routing weight per skill: receipts shared evenly among the centers
        # that adjudicate the form, times the effort each case takes.
        required, weight = {}, {}
        for f in here:
            share = (f["receipts"] or BLANK_RECEIPTS_WEIGHT) / max(1, len(f["centers"]))
            required[f["skill"]] = max(required.get(f["skill"], 1), f["min_level"])
            weight[f["skill"]] = weight.get(f["skill"], 0.0) + share * f["effort_hours"]
        skills = sorted(required)
        interviewing = center["kind"] in INTERVIEW_KINDS
        boost = dict(LANGUAGE_BASE, **LANGUAGE_BOOST.get(code, {}))
        has_senior = False
        for i in range(count):
            if i < COVERAGE_ROUNDS * len(skills):
                main_skill = skills[i % len(skills)]
                level = max(required[main_skill], pick(rng, LEVEL_WEIGHTS))
            else:
                main_skill = pick(rng, weight)
                level = pick(rng, LEVEL_WEIGHTS)
            held = {main_skill: level}
            others = [s for s in skills if s != main_skill]
            for extra in rng.sample(others, min(len(others), pick(rng, EXTRA_SKILL_WEIGHTS))):
                held[extra] = max(1, pick(rng, LEVEL_WEIGHTS) - 1)
            languages = [lang for lang, share in boost.items() if rng.random() < share]
            r = rng.random()
            if i == 0 or r < TOP_SECRET_SHARE:
                clearance = "top_secret"
            elif r < TOP_SECRET_SHARE + SECRET_SHARE:
                clearance = "secret"
            else:
                clearance = "public_trust"
            low, high = CAPACITY_INTERVIEW if interviewing else CAPACITY_PAPER
            capacity = rng.randint(low, high)
            presence = pick(rng, PRESENCE_WEIGHTS)
            senior = level >= 4 and rng.random() < SENIOR_SHARE_OF_EXPERTS
            # Every site needs a QA reviewer, so its last officer is senior if none was drawn.
            if i == count - 1 and not has_senior:
                senior = True
                held[main_skill] = max(level, 4)
            has_senior = has_senior or senior
            rows.append([
                "ISO-%s-%05d" % (code, i + 1), code,
                ";".join("%s:%d" % (s, held[s]) for s in sorted(held)),
                ";".join(languages), clearance, str(capacity), presence,
                "true" if senior else "false",
            ])

    out = os.path.join(HERE, "officers.csv")
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("# Sample officer roster: generated by generate_officers.py (seed %d, scale %.2f of\n"
                "# authorized positions); regenerate rather than edit.\n" % (SEED, SCALE))
        f.write("id,center,skills,languages,clearance,capacity,presence,senior\n")
        for row in rows:
            f.write(",".join(row) + "\n")
    print("wrote %d officers to %s" % (len(rows), out))


if __name__ == "__main__":
    main()

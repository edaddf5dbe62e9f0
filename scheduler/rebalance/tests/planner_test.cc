#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "docket/core/error.h"
#include "docket/rebalance/planner.h"
#include "rebalance_test_util.h"

namespace docket::rebalance {
namespace {

using testing::World;

// Writes the graph as a CPLEX LP file (one variable per arc, one balance row per node), solves it
// with GLPK's glpsol and returns the optimal objective.
std::int64_t glpk_objective(const flow::FlowProblem& p) {
  const auto dir = std::filesystem::temp_directory_path() / ("docket-rebalance-glpk-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto lp = dir / "plan.lp";
  const auto out = dir / "plan.out";
  {
    std::ofstream f(lp);
    f << "Minimize\n obj:";
    for (std::size_t a = 0; a < p.arc_count(); ++a) f << "\n + " << p.arc(static_cast<flow::ArcId>(a)).cost << " x" << a;
    f << "\nSubject To\n";
    std::vector<std::vector<std::pair<std::size_t, int>>> rows(p.node_count());
    for (std::size_t a = 0; a < p.arc_count(); ++a) {
      rows[static_cast<std::size_t>(p.arc(static_cast<flow::ArcId>(a)).from)].push_back({a, 1});
      rows[static_cast<std::size_t>(p.arc(static_cast<flow::ArcId>(a)).to)].push_back({a, -1});
    }
    for (std::size_t n = 0; n < rows.size(); ++n) {
      if (rows[n].empty()) continue;
      f << " n" << n << ":";
      for (auto [a, sign] : rows[n]) f << "\n " << (sign > 0 ? "+" : "-") << " x" << a;
      f << "\n = " << p.supply(static_cast<flow::NodeId>(n)) << "\n";
    }
    f << "Bounds\n";
    for (std::size_t a = 0; a < p.arc_count(); ++a) {
      const flow::Amount cap = p.arc(static_cast<flow::ArcId>(a)).capacity;
      if (cap == flow::kUnlimited) {
        f << " x" << a << " >= 0\n";
      } else {
        f << " 0 <= x" << a << " <= " << cap << "\n";
      }
    }
    f << "End\n";
  }
  const std::string cmd = "/usr/bin/glpsol --lp " + lp.string() + " -o " + out.string() + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove_all(dir);
  std::smatch m;
  const std::string s = text.str();
  EXPECT_NE(s.find("OPTIMAL"), std::string::npos) << s.substr(0, 400);
  if (!std::regex_search(s, m, std::regex(R"(Objective:\s+obj = (-?[0-9.eE+]+))"))) {
    ADD_FAILURE() << "no objective in glpsol output: " << s.substr(0, 400);
    return -1;
  }
  return std::llround(std::stod(m[1].str()));
}

TEST(RebalanceSolverTest, UnknownSolverNameIsAnError) {
  auto s = make_solver("simplex-of-doom");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("simplex-of-doom"), std::string::npos);
  EXPECT_NE(s.error().find("boost-ssp"), std::string::npos);
  // Solvers the flow library has but rebalancing does not offer are refused too.
  EXPECT_FALSE(make_solver("lemon-cost-scaling").ok());
  for (const std::string& name : solver_names()) EXPECT_TRUE(make_solver(name).ok()) << name;

  const Catalog cat = testing::catalog();
  World w(cat);
  testing::populate(w, 1, 50, 5);
  Options o;
  o.solver = "simplex-of-doom";
  EXPECT_THROW(plan(w.matcher, o), InvalidArgument);
}

TEST(RebalancePlannerTest, BadOptionsAndUnknownDrainCenterAreErrors) {
  const Catalog cat = testing::catalog();
  World w(cat);
  testing::populate(w, 2, 50, 5);
  Options o;
  o.drain_centers = {"XYZ"};
  EXPECT_THROW(plan(w.matcher, o), InvalidArgument);
  o = {};
  o.horizon_weeks = 0;
  EXPECT_THROW(plan(w.matcher, o), InvalidArgument);
  o = {};
  o.transfer_cost = -1;
  EXPECT_THROW(plan(w.matcher, o), InvalidArgument);
}

TEST(RebalancePlannerTest, MovesWorkFromAnOverloadedCenterToAnIdleOne) {
  const Catalog cat = testing::catalog();
  World w(cat);
  const FormId i130 = *cat.find_form("I-130");
  // VSC: one I-130 officer (20 cases a week), 400 cases due in two weeks. CSC: ten officers,
  // nothing queued.
  auto officer = [&](std::string id, std::string_view center) {
    Officer o;
    o.id = std::move(id);
    o.center = *cat.find_center(center);
    o.skills = {{cat.form(i130).skill, 3}};
    w.matcher.add_officer(o);
  };
  officer("V1", "VSC");
  for (int i = 0; i < 10; ++i) officer("C" + std::to_string(i), "CSC");
  for (int i = 0; i < 400; ++i) {
    Case c;
    c.receipt = testing::receipt(static_cast<std::uint64_t>(i) + 1);
    c.form = i130;
    c.center = *cat.find_center("VSC");
    c.received = w.clock.now() - std::chrono::days(100 + i % 7);
    c.deadline = w.clock.now() + std::chrono::days(10) + std::chrono::minutes(i);
    w.matcher.enqueue(c);
  }
  Options o;
  o.cross_check = true;
  const Plan p = plan(w.matcher, o);
  ASSERT_EQ(p.moves.size(), 1u);
  const Move& m = p.moves[0];
  EXPECT_EQ(m.from, "VSC");
  EXPECT_EQ(m.to, "CSC");
  EXPECT_EQ(m.form, "I-130");
  // VSC keeps what it decides by the deadline's week (weeks 0 and 1: 40 cases) and the 20 it
  // decides a week late (100 of lateness each, less than a 150 transfer); the rest move.
  EXPECT_EQ(m.count, 340);
  EXPECT_EQ(m.receipts.front(), testing::receipt(1).str());  // Earliest deadline first.
  EXPECT_EQ(m.transfer_cost, 340 * o.transfer_cost);
  EXPECT_GT(m.lateness_saved, m.transfer_cost);
  EXPECT_LT(p.objective, p.cost_before);
  bool seen = false;
  for (const Outlook& out : p.outlook) {
    if (out.center == "VSC" && out.form == "I-130") {
      seen = true;
      EXPECT_EQ(out.backlog_before, 400);
      EXPECT_EQ(out.backlog_after, 60);
      EXPECT_GT(out.misses_before, 300);
      EXPECT_EQ(out.misses_after, 20);
      EXPECT_EQ(out.late_weeks_after, 20);
      EXPECT_GT(out.p80_days_before, out.p80_days_after);
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_NE(explain(p).find("earliest deadlines first"), std::string::npos);
  EXPECT_NE(render_table(p).find("VSC     CSC     I-130"), std::string::npos) << render_table(p);
  // Planned again on the same state: the same plan id.
  EXPECT_EQ(plan(w.matcher, o).id, p.id);
}

TEST(RebalancePlannerTest, OptimalityAgreesWithLemonCycleCancelingAndGlpk) {
  const Catalog cat = testing::catalog();
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    World w(cat);
    testing::populate(w, seed, 200 + static_cast<int>(seed) * 150, 4 + static_cast<int>(seed % 7) * 3);
    Options o;
    o.horizon_weeks = 3 + static_cast<int>(seed % 4);
    o.max_cases_per_move_week = seed % 3 == 0 ? 15 : 0;
    o.transfer_cost = 50 + static_cast<std::int64_t>(seed * 37 % 200);
    if (seed % 5 == 0) o.drain_centers = {"VSC"};
    const Snapshot snap = snapshot(w.matcher, o);
    const PlanningGraph g = build_graph(snap, cat, o);
    std::vector<flow::Cost> costs;
    for (const std::string& name : solver_names()) {
      const flow::FlowSolution s = make_solver(name).value()->solve(g.problem);
      ASSERT_EQ(s.status, flow::SolveStatus::kOptimal) << name << " seed " << seed;
      costs.push_back(s.total_cost);
    }
    EXPECT_EQ(costs[0], costs[1]) << "boost-ssp vs cycle canceling, seed " << seed;
    EXPECT_EQ(costs[0], costs[2]) << "boost-ssp vs LEMON, seed " << seed;
    EXPECT_EQ(costs[0], glpk_objective(g.problem)) << "boost-ssp vs glpsol, seed " << seed;
    EXPECT_EQ(plan(w.matcher, o).objective, costs[0]);
  }
}

TEST(RebalancePlannerTest, JurisdictionIsNeverViolated) {
  const Catalog cat = testing::catalog();
  for (std::uint64_t seed = 100; seed < 140; ++seed) {
    World w(cat);
    testing::populate(w, seed, 300 + static_cast<int>(seed % 9) * 100, 3 + static_cast<int>(seed % 11));
    Options o;
    o.transfer_cost = static_cast<std::int64_t>(seed % 4) * 40;  // Cheap moves: many of them.
    if (seed % 4 == 0) o.drain_centers = {seed % 8 == 0 ? "FO-KEN" : "CSC"};
    const Snapshot snap = snapshot(w.matcher, o);
    const Plan p = plan(w.matcher, o);
    for (const Move& m : p.moves) {
      const FormPolicy& f = cat.form(*cat.find_form(m.form));
      const CenterId to = *cat.find_center(m.to);
      ASSERT_TRUE(f.transferable) << m.form;
      EXPECT_GT(snap.certified(to, f.id), 0) << m.to << " has no officer for " << m.form;
      EXPECT_TRUE(std::find(f.centers.begin(), f.centers.end(), to) != f.centers.end()) << m.form << " at " << m.to;
      EXPECT_EQ(m.count, static_cast<std::int64_t>(m.receipts.size()));
      for (const std::string& r : m.receipts) {
        const auto slot = w.matcher.index().find(*ReceiptNumber::parse(r));
        ASSERT_TRUE(slot);
        const auto& rec = w.matcher.index().record(*slot);
        EXPECT_EQ(cat.center(rec.center).code, m.from);
        EXPECT_EQ(rec.form, f.id);
        EXPECT_EQ(rec.state, CaseState::kQueued);
        if (f.interview) {
          const CenterId home = rec.field_office == kNoCenter ? rec.center : rec.field_office;
          EXPECT_EQ(cat.center(home).district, cat.center(to).district) << r << " left its district";
        }
      }
    }
  }
}

TEST(RebalancePlannerTest, DrainMovesEveryCaseThatMayLeave) {
  const Catalog cat = testing::catalog();
  World w(cat);
  testing::populate(w, 7, 2000, 40);
  Options o;
  o.drain_centers = {"FO-KEN"};
  const Snapshot snap = snapshot(w.matcher, o);
  const Plan p = plan(w.matcher, o);
  EXPECT_EQ(p.kind, "drain");
  std::int64_t may_leave = 0, stuck = 0;
  for (const Cell& c : snap.cells) {
    if (cat.center(c.center).code != "FO-KEN") continue;
    bool any = false;
    for (CenterId to = 0; to < snap.centers; ++to) any = any || may_move(cat, snap, c.form, c.home, c.center, to);
    (any ? may_leave : stuck) += c.queued;
  }
  std::int64_t moved = 0;
  for (const Move& m : p.moves) {
    if (m.from == "FO-KEN") moved += m.count;
  }
  EXPECT_GT(may_leave, 0);
  EXPECT_GT(stuck, 0);  // I-589 may not move.
  EXPECT_EQ(moved, may_leave);
  EXPECT_EQ(p.stranded, stuck);
}

TEST(RebalancePlanJsonTest, RoundTripsAndRejectsMalformedPlans) {
  const Catalog cat = testing::catalog();
  World w(cat);
  testing::populate(w, 3, 1500, 12);
  Options o;
  o.transfer_cost = 10;
  const Plan p = plan(w.matcher, o);
  ASSERT_FALSE(p.moves.empty());
  const std::string text = to_json(p);
  const Plan back = from_json(text);
  EXPECT_EQ(to_json(back), text);
  EXPECT_EQ(back.id, p.id);
  EXPECT_EQ(back.moves.size(), p.moves.size());
  EXPECT_EQ(back.moves[0].receipts, p.moves[0].receipts);

  EXPECT_THROW(from_json("{not json"), InvalidArgument);
  EXPECT_THROW(from_json("[]"), InvalidArgument);
  EXPECT_THROW(from_json("{\"id\": \"x\"}"), InvalidArgument);
  auto broken = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    const auto at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    t.replace(at, from.size(), to);
    return t;
  };
  EXPECT_THROW(from_json(broken("\"count\":", "\"count\":1+")), InvalidArgument);
  EXPECT_THROW(from_json(broken("\"count\":", "\"kount\":")), InvalidArgument);
  EXPECT_THROW(from_json(broken("\"EAC", "\"XXX")), InvalidArgument);
  EXPECT_THROW(from_json(broken("\"horizon_weeks\":", "\"horizon_weeks\":\"twelve\",\"h\":")), InvalidArgument);
}

}  // namespace
}  // namespace docket::rebalance

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "docket/core/catalog.h"
#include "docket/core/result.h"
#include "docket/flow/solver.h"
#include "docket/matching/matcher.h"
#include "docket/rebalance/options.h"
#include "docket/rebalance/plan.h"
#include "docket/rebalance/snapshot.h"

namespace docket::rebalance {

struct RebalanceMetrics;

/// What an arc of the planning graph stands for.
struct ArcRole {
  enum class Kind : std::uint8_t {
    kLater,     ///< cell week w -> w + 1: a week later (lateness cost).
    kEarlier,   ///< cell week w + 1 -> w: a week earlier (free).
    kStay,      ///< cell week w -> its own center's capacity in week w.
    kMove,      ///< cell week w -> another center's capacity in week w (transfer cost).
    kToHub,     ///< cell week w -> its jurisdiction's hub in week w (transfer cost).
    kFromHub,   ///< hub week w -> a center's capacity in week w (free; `hub` names the hub).
    kCapacity,  ///< (center, form) capacity in week w -> sink.
    kCarry,     ///< cell beyond the horizon -> sink: stays queued where it is.
    kDrainOut,  ///< drained cell beyond the horizon -> sink: leaves for `to`, queued there.
  };
  Kind kind = Kind::kLater;
  std::uint32_t cell = 0;     ///< Index into Snapshot::cells (every kind but kCapacity).
  CenterId to = kNoCenter;    ///< kMove, kDrainOut, kCapacity (its center).
  FormId form = 0;            ///< kCapacity.
  std::int32_t week = 0;
  std::uint32_t hub = 0;      ///< kToHub, kFromHub: which hub.
};

/// The time-expanded min-cost flow of rebalancing, built from a snapshot:
///
///   cell (center, form, home) week 0 <-> week 1 <-> ... <-> week H (beyond the horizon)
///     supply: a cell's cases enter at the week their deadline falls in (overdue: week 0);
///     later arcs cost Options::lateness_cost per case, earlier arcs are free, so a case served
///     in week w pays exactly for the weeks it is late.
///   cell week w -> capacity (own center, form, w)      stay, free
///   cell week w -> capacity (other center, form, w)    move, transfer_cost, limit per week
///     (without a limit, moves go through one hub per jurisdiction (form, and district for an
///     interview form) and week instead: cell -> hub at transfer_cost, hub -> every center the
///     jurisdiction allows, free. Same optima, and arcs grow with centers, not their square.)
///   capacity (center, form, w) -> sink                 the weekly capacity
///   cell week H -> sink                                carry past the horizon (drain_penalty
///                                                      at a drained center)
///   drained cell week H -> sink                        leave for the destination with the most
///                                                      capacity, queued there (transfer_cost)
///
/// All costs are >= 0, so successive shortest paths applies. Moves exist only where
/// may_move() allows them.
struct PlanningGraph {
  flow::FlowProblem problem;
  std::vector<ArcRole> roles;  ///< One per arc of `problem`.
  flow::NodeId sink = 0;
  std::int64_t supply = 0;     ///< Queued cases routed.
};

/// The jurisdiction rule: whether cases of `form` homed at `home` may go from center `from` to
/// center `to`. Never to the same center; never a form that is not transferable; an interview
/// form only within the district of its home office (or to the home office itself when it names
/// no district); any other form only to a center listed for it (FormPolicy::centers, empty =
/// any); and never to a center without present officers certified for the form.
bool may_move(const Catalog& catalog, const Snapshot& snap, FormId form, CenterId home,
              CenterId from, CenterId to);

/// Builds the planning graph. Throws InvalidArgument for an unknown drained center, or a
/// negative cost or limit.
PlanningGraph build_graph(const Snapshot& snap, const Catalog& catalog, const Options& options);

/// Solves the planning graph one jurisdiction at a time: apart from the sink, cells that may not
/// exchange cases share no arc, so each connected component (with a sink of its own) is an
/// independent problem, and their optima add up to the whole graph's. Successive shortest paths
/// runs one Dijkstra over the graph per augmenting path, so this is what keeps it fast at national
/// scale. Throws what the solver throws.
flow::FlowSolution solve(const PlanningGraph& graph, flow::Solver& solver);

/// The solvers rebalancing accepts: "boost-ssp" (Boost.Graph successive shortest paths with
/// non-negative weights), "boost-cycle-canceling" (Boost.Graph cycle canceling; slow, a second
/// opinion on small graphs) and "lemon-network-simplex" (LEMON, an independent implementation;
/// the default, see Options::DEFAULT_SOLVER). An unknown name returns an error listing these.
Result<std::unique_ptr<flow::Solver>> make_solver(std::string_view name);
std::vector<std::string> solver_names();

/// Plans rebalancing from the matcher's live state at its clock: snapshot, graph, solve, then
/// the moves (which cases: earliest deadlines first) and the projection before and after.
/// Throws InvalidArgument for an unknown solver or drained center or bad options, and Error if
/// the solver fails or (with cross_check) disagrees with the other implementation. Counts a run into `metrics`.
Plan plan(const matching::Matcher& matcher, const Options& options,
          RebalanceMetrics* metrics = nullptr);

}  // namespace docket::rebalance

#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

/// How each management result is shown to people. Every renderer is tolerant: a field it does
/// not know is shown generically and a field it expects but does not find is shown as "-",
/// because the scheduler may add fields without a new protocol version (docs/protocol.md
/// section 5).
namespace docket::cli {

/// The raw result for scripts (`--json`): indented JSON and a newline.
void print_json(std::ostream& out, const nlohmann::json& result);

/// `queues`: one row per center and form with the count in each state, and a total row.
void render_queues(std::ostream& out, const nlohmann::json& result);
/// `officers`, `officer update`: one row per officer (load/capacity, skills, languages).
void render_officers(std::ostream& out, const nlohmann::json& result);
/// `status`: the case's fields, then its history in time order.
void render_status(std::ostream& out, const nlohmann::json& result);
/// `my-cases`: one row per case.
void render_cases(std::ostream& out, const nlohmann::json& result);
/// `explain`: the verdict and summary first, then the other fields.
void render_explain(std::ostream& out, const nlohmann::json& result);
/// `rebalance plan`: the `moves` as a table (from, to, form, count, cost) and the plan's
/// scalar fields; a plan without `moves` is printed as JSON.
void render_plan(std::ostream& out, const nlohmann::json& plan);
/// Any other object: its scalar fields as "key  value" lines, arrays of objects as tables.
void render_generic(std::ostream& out, const nlohmann::json& result);

}  // namespace docket::cli

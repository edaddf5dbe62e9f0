#include "docket/cli/render.h"

#include <gtest/gtest.h>

#include <sstream>

namespace docket::cli {
namespace {

using nlohmann::json;

template <typename F>
std::string rendered(F f, const json& result) {
  std::ostringstream out;
  f(out, result);
  return out.str();
}

TEST(Render, QueuesShowEveryStateAndATotal) {
  const auto result = json::parse(R"({"rows":[
    {"center":"CSC","form":"I-485","queued":48213,"offered":12,"assigned":310,"on_hold":4,
     "rfe_pending":1022,"qa_review":3,"oldest_days":412,"at_risk":57},
    {"center":"NBC","form":"N-400","queued":7,"offered":0,"assigned":2,"on_hold":0,
     "rfe_pending":0,"qa_review":0,"oldest_days":30,"at_risk":0}]})");
  EXPECT_EQ(rendered(render_queues, result),
            "center  form   queued  offered  assigned  on_hold  rfe_pending  qa_review  "
            "oldest_days  at_risk\n"
            "CSC     I-485  48,213       12       310        4        1,022          3          "
            "412       57\n"
            "NBC     N-400       7        0         2        0            0          0           "
            "30        0\n"
            "--------------------------------------------------------------------------------------"
            "---------\n"
            "total          48,220       12       312        4        1,022          3          "
            "412       57\n");
  EXPECT_EQ(rendered(render_queues, json::parse(R"({"rows":[]})")), "no cases waiting\n");
}

TEST(Render, PlanMovesAreATableAndUnknownShapesStayJson) {
  const auto plan = json::parse(R"({"plan":"p-17","horizon_weeks":12,
    "moves":[{"from":"CSC","to":"NBC","form":"I-485","count":1200,"cost":3.5,"cases":["EAC2590012345"]},
             {"from":"VSC","to":"TSC","form":"I-130","count":15000,"cost":12.25}],
    "before":{"backlog":100}})");
  EXPECT_EQ(rendered(render_plan, plan),
            "plan           p-17\n"
            "before         backlog:100\n"
            "horizon_weeks  12\n"
            "\n"
            "moves:\n"
            "from  to   form    count  cost\n"
            "CSC   NBC  I-485   1,200   3.5\n"
            "VSC   TSC  I-130  15,000  12.2\n"
            "2 moves, 16,200 cases (--json for the whole plan)\n");
  // A plan in a shape this program does not know yet is shown whole rather than guessed at.
  const auto other = json::parse(R"({"transfers":[{"a":1}]})");
  EXPECT_EQ(rendered(render_plan, other), other.dump(2) + "\n");
}

TEST(Render, OfficersShowLoadAgainstCapacity) {
  const auto result = json::parse(R"({"officers":[
    {"officer":"ISO-CSC-00001","center":"CSC","skills":{"I-129":3,"I-539":4},"languages":["es"],
     "clearance":"top_secret","capacity":7,"presence":"available","senior":false,"load":3,
     "connected":true}]})");
  EXPECT_EQ(rendered(render_officers, result),
            "officer        center  presence   connected  load  skills           languages  "
            "clearance   senior\n"
            "ISO-CSC-00001  CSC     available  yes        3/7   I-129:3 I-539:4  es         "
            "top_secret  no\n");
}

TEST(Render, StatusShowsTheCaseThenItsHistory) {
  const auto result = json::parse(R"({"case":{"receipt":"EAC2590012345","state":"assigned",
      "form":"I-485","received":1759320000,"epoch":2},
    "history":[{"at":1759320000,"op":"import","from":null,"to":"queued","who":"docketctl","epoch":0},
               {"at":1759323600,"op":"offer","from":"queued","to":"offered","officer":"ISO-CSC-00001","epoch":1}]})");
  EXPECT_EQ(rendered(render_status, result),
            "receipt   EAC2590012345\n"
            "state     assigned\n"
            "epoch     2\n"
            "form      I-485\n"
            "received  2025-10-01 12:00\n"
            "\n"
            "history:\n"
            "at                op      from    to       who        officer        epoch\n"
            "2025-10-01 12:00  import  -       queued   docketctl  -                  0\n"
            "2025-10-01 13:00  offer   queued  offered  -          ISO-CSC-00001      1\n");
}

TEST(Render, JsonIsTheRawResult) {
  const auto result = json::parse(R"({"rows":[{"center":"CSC","queued":1}],"extra":{"x":[1,2]}})");
  std::ostringstream out;
  print_json(out, result);
  EXPECT_EQ(json::parse(out.str()), result);
  EXPECT_EQ(out.str().back(), '\n');
}

}  // namespace
}  // namespace docket::cli

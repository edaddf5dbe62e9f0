#include "docket/cli/format.h"

#include <gtest/gtest.h>

#include "docket/cli/progress.h"

namespace docket::cli {
namespace {

using nlohmann::json;

TEST(Format, NumbersCarryThousandsSeparators) {
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(1000), "1,000");
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_count(-1234), "-1,234");
  EXPECT_EQ(format_count(INT64_MIN), "-9,223,372,036,854,775,808");
  EXPECT_EQ(format_number(12345.678), "12,345.7");
  EXPECT_EQ(format_number(0.04, 1), "0.0");
  EXPECT_EQ(format_number(-0.04, 1), "0.0");
  EXPECT_EQ(format_number(-1234.5, 0), "-1,234");  // printf rounds half to even.
  EXPECT_EQ(format_time(1759320000), "2025-10-01 12:00");
}

TEST(Format, CellsShowEachKindOfValue) {
  EXPECT_EQ(cell_text(json(nullptr)), "-");
  EXPECT_EQ(cell_text(json(true)), "yes");
  EXPECT_EQ(cell_text(json(48213)), "48,213");
  EXPECT_EQ(cell_text(json(3.25)), "3.2");
  EXPECT_EQ(cell_text(json("CSC")), "CSC");
  EXPECT_EQ(cell_text(json(1759320000), "deadline"), "2025-10-01 12:00");
  EXPECT_EQ(cell_text(json(12), "at"), "12");  // Too early to be a time Docket deals in.
  EXPECT_EQ(cell_text(json::parse(R"({"I-485":3,"N-400":2})")), "I-485:3 N-400:2");
  EXPECT_EQ(cell_text(json::parse(R"(["es","zh"])")), "es,zh");
  EXPECT_EQ(cell_text(json::array()), "-");
}

TEST(Format, TablesAlignTextLeftAndNumbersRight) {
  Table t({"center", "form", "queued"});
  t.add_row({"CSC", "I-485", "48,213"});
  t.add_row({"NBC", "N-400", "7"});
  t.add_row({"VSC", "I-130"});  // A missing cell shows "-".
  t.set_footer({"total", "", "48,220"});
  EXPECT_EQ(t.str(),
            "center  form   queued\n"
            "CSC     I-485  48,213\n"
            "NBC     N-400       7\n"
            "VSC     I-130       -\n"
            "---------------------\n"
            "total          48,220\n");
}

TEST(Format, TableOfObjectsHasAColumnPerKey) {
  const auto rows = json::parse(R"([{"a":1,"b":"x"},{"b":"y","c":true}])");
  EXPECT_EQ(table_of(rows).str(),
            "a  b  c\n"
            "1  x  -\n"
            "-  y  yes\n");
}

TEST(Format, ProgressLineShowsDoneTotalAndRate) {
  EXPECT_EQ(progress_line(40'000, 100'000, 12'345.4, 10),
            "[####......] 40,000/100,000 cases  12,345/s");
  EXPECT_EQ(progress_line(7, std::nullopt, 0.4), "7 cases  0/s");
  EXPECT_EQ(progress_line(150, 100, 1, 4), "[####] 150/100 cases  1/s");
}

}  // namespace
}  // namespace docket::cli

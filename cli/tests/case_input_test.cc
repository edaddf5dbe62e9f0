#include "docket/cli/case_input.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "docket/core/error.h"
#include "docket/protocol/protocol.h"

namespace docket::cli {
namespace {

using nlohmann::json;

// The errors of a parse, as "line: message" for compact comparison.
std::vector<std::string> errors_of(const std::vector<InputLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) {
    if (!l.ok()) out.push_back(std::to_string(l.line) + ": " + l.error);
  }
  return out;
}

std::vector<InputLine> good_of(const std::vector<InputLine>& lines) {
  std::vector<InputLine> out;
  for (const auto& l : lines) {
    if (l.ok()) out.push_back(l);
  }
  return out;
}

TEST(CaseInput, CsvNamesEachBadLineAndKeepsTheGoodOnes) {
  const std::string csv =
      "# cases for the morning run\n"                                          // 1
      "receipt,form,priority,received,field-office,language,court_date\n"      // 2
      "EAC2590012345,I-485,normal,2025-10-01,,es,\n"                           // 3
      "\n"                                                                     // 4
      "XYZ2590012346,I-485,normal,2025-10-01,,,\n"                             // 5
      "EAC2590012347,,normal,2025-10-01,,,\n"                                  // 6
      "EAC2590012348,N-400,urgent,2025-10-01,,,\n"                             // 7
      "EAC2590012349,N-400,normal,2025-02-30,,,\n"                             // 8
      "WAC2590012350,I-129,litigation,1759320000,,,\n"                         // 9
      "WAC2590012351,I-129,litigation,1759320000,,,2026-01-15\n"               // 10
      "EAC2590012352,I-130\n"                                                  // 11
      "EAC2590012345,I-485,normal,2025-10-01,,,\n"                             // 12
      "\"LIN2590012353\",\"N-400\",expedite,2025-10-01T13:30:00Z,FO-HOU,,\n";  // 13
  const auto lines = parse_cases(csv, InputFormat::kCsv, "cases.csv");
  EXPECT_EQ(errors_of(lines),
            (std::vector<std::string>{
                "5: receipt 'XYZ2590012346': unknown receipt prefix 'XYZ' (expected EAC, WAC, LIN, "
                "SRC, MSC, YSC or IOE)",
                "6: form: required",
                "7: priority: expected normal, expedite, premium or litigation, got 'urgent'",
                "8: received: expected Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z (a real "
                "day), got '2025-02-30'",
                "9: court_date: required for a litigation case",
                "11: expected 7 fields as in the header, got 2",
                "12: receipt EAC2590012345 repeats line 3",
            }));
  const auto good = good_of(lines);
  ASSERT_EQ(good.size(), 3u);
  EXPECT_EQ(good[0].line, 3u);
  EXPECT_EQ(good[0].value, json::parse(R"({"receipt":"EAC2590012345","form":"I-485",
      "priority":"normal","received":1759320000,"language":"es"})"));
  EXPECT_EQ(good[1].line, 10u);
  EXPECT_EQ(good[1].value, json::parse(R"({"receipt":"WAC2590012351","form":"I-129",
      "priority":"litigation","received":1759320000,"court_date":"2026-01-15"})"));
  EXPECT_EQ(good[2].line, 13u);
  EXPECT_EQ(good[2].value, json::parse(R"({"receipt":"LIN2590012353","form":"N-400",
      "priority":"expedite","received":1759325400,"field_office":"FO-HOU"})"));
  // The receipt of a bad line is kept, so that the message can name it.
  EXPECT_EQ(lines[1].receipt, "XYZ2590012346");
}

TEST(CaseInput, JsonLinesNameEachBadLineAndKeepTheGoodOnes) {
  const std::string jsonl =
      R"({"receipt":"EAC2590012345","form":"I-485","received":1759320000,"center":"CSC"})"
      "\n"
      R"({"receipt":"EAC2590012346","form":"I-485",)"
      "\n"
      R"(["EAC2590012347","I-485"])"
      "\n"
      R"({"receipt":"EAC2590012348","form":"I-485","colour":"blue"})"
      "\n"
      R"({"receipt":"EAC2590012349","form":485})"
      "\n"
      "\n"
      R"({"receipt":"EAC25900","form":"I-485"})"
      "\n"
      R"({"receipt":"IOE2590012350","form":"N-400","priority":"premium","category":"naturalization","received":null})"
      "\n";
  const auto lines = parse_cases(jsonl, InputFormat::kJsonLines, "cases.jsonl");
  const auto errors = errors_of(lines);
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_TRUE(errors[0].starts_with("2: not JSON: ")) << errors[0];
  EXPECT_EQ(errors[1], "3: expected a JSON object, got array");
  EXPECT_TRUE(errors[2].starts_with("4: unknown field 'colour' (expected receipt, form,"))
      << errors[2];
  EXPECT_EQ(errors[3], "5: form: expected a string, got number");
  EXPECT_EQ(
      errors[4],
      "7: receipt 'EAC25900': a receipt number has 13 characters (3 letters, 10 digits), got 8");
  const auto good = good_of(lines);
  ASSERT_EQ(good.size(), 2u);
  EXPECT_EQ(good[0].line, 1u);
  EXPECT_EQ(good[0].value, json::parse(R"({"receipt":"EAC2590012345","form":"I-485",
      "received":1759320000,"center":"CSC"})"));
  EXPECT_EQ(good[1].line, 8u);
  EXPECT_EQ(good[1].value, json::parse(R"({"receipt":"IOE2590012350","form":"N-400",
      "priority":"premium","category":"naturalization"})"));
}

TEST(CaseInput, ABadHeaderRefusesTheWholeFile) {
  auto message = [](const std::string& text) {
    try {
      parse_cases(text, InputFormat::kCsv, "in.csv");
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("# nothing\n\n"), "in.csv: no header line (an empty file?)");
  EXPECT_EQ(message("receipt,form,colour\n"),
            "in.csv:1: unknown column 'colour' (expected receipt, form, priority, received, "
            "center, field_office, language, court_date, category)");
  EXPECT_EQ(message("\nform,priority\n"), "in.csv:2: the header has no 'receipt' column");
  EXPECT_EQ(message("receipt,form,Form\n"), "in.csv:1: column 'form' appears twice");
}

TEST(CaseInput, ReceivedSpellingsAndFormats) {
  EXPECT_EQ(parse_received("1759320000"), 1759320000);
  EXPECT_EQ(parse_received("2025-10-01"), 1759276800 + 12 * 3600);  // Noon UTC.
  EXPECT_EQ(parse_received("2025-10-01T13:00Z"), 1759276800 + 13 * 3600);
  EXPECT_EQ(parse_received("2025-10-01 13:00:05"), 1759276800 + 13 * 3600 + 5);
  EXPECT_FALSE(parse_received("2025-10-01T25:00Z"));
  EXPECT_FALSE(parse_received("yesterday"));
  EXPECT_FALSE(parse_received("-5"));
  EXPECT_EQ(format_for_path("a/b.csv"), InputFormat::kCsv);
  EXPECT_EQ(format_for_path("x.jsonl"), InputFormat::kJsonLines);
  EXPECT_EQ(format_for_path("x.ndjson"), InputFormat::kJsonLines);
  EXPECT_FALSE(format_for_path("dir.d/cases"));
  EXPECT_EQ(parse_format("JSONL"), InputFormat::kJsonLines);
  EXPECT_EQ(split_csv(R"(a,"b,""c""",,d)"), (std::vector<std::string>{"a", "b,\"c\"", "", "d"}));
  EXPECT_THROW(split_csv(R"(a,"b)"), InvalidArgument);
}

// The size of the whole REQUEST message that would carry this batch.
std::size_t message_bytes(const Batch& b) {
  const auto frames = protocol::encode(
      {protocol::Type::kRequest,
       {{"id", 1'000'000'000}, {"cmd", "submit"}, {"args", {{"cases", b.cases}}}}});
  std::size_t n = 0;
  for (const auto& f : frames) n += f.size();
  return n;
}

TEST(CaseInput, BatchesStayUnderTheMessageLimitAndKeepLineOrder) {
  // Cases of about 600 bytes: 10,000 of them would be 6 MB, so the byte limit must cut first.
  const std::string category(560, 'c');
  Batcher batcher(Batcher::kMaxCasesPerSubmit, protocol::DEFAULT_MAX_MESSAGE_BYTES);
  std::vector<Batch> batches;
  const std::size_t n = 5000;
  for (std::size_t i = 0; i < n; ++i) {
    InputLine l;
    l.line = i + 2;
    l.value = {{"receipt", "EAC25" + std::to_string(90000000 + i)},
               {"form", "I-485"},
               {"category", category}};
    if (auto full = batcher.add(l)) batches.push_back(std::move(*full));
  }
  if (auto last = batcher.flush()) batches.push_back(std::move(*last));
  ASSERT_GE(batches.size(), 3u);
  std::size_t next_line = 2;
  for (const auto& b : batches) {
    EXPECT_LE(message_bytes(b), protocol::DEFAULT_MAX_MESSAGE_BYTES);
    EXPECT_EQ(b.bytes, b.cases.dump().size());
    ASSERT_EQ(b.cases.size(), b.lines.size());
    for (const auto line : b.lines) EXPECT_EQ(line, next_line++);
  }
  EXPECT_EQ(next_line, n + 2);
  // The batches are nearly full: no more than one case's worth of room is left in each.
  EXPECT_GT(message_bytes(batches.front()), protocol::DEFAULT_MAX_MESSAGE_BYTES - 1000);
}

TEST(CaseInput, BatchesHoldAtMostTheCaseCountAsked) {
  Batcher batcher(3, protocol::DEFAULT_MAX_MESSAGE_BYTES);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < 7; ++i) {
    InputLine l;
    l.line = i + 1;
    l.value = {{"receipt", "EAC259001234" + std::to_string(i)}, {"form", "I-485"}};
    if (auto full = batcher.add(l)) sizes.push_back(full->lines.size());
  }
  if (auto last = batcher.flush()) sizes.push_back(last->lines.size());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 1}));
  EXPECT_FALSE(batcher.flush());
  // A case that cannot fit in any message is refused rather than sent to be refused.
  Batcher tiny(10, 300);
  InputLine big;
  big.value = {{"receipt", "EAC2590012345"}, {"category", std::string(400, 'x')}};
  EXPECT_THROW(tiny.add(big), InvalidArgument);
}

TEST(CaseInput, CountsTheCaseLinesOfAFile) {
  const auto path = std::filesystem::temp_directory_path() / "docketctl_count_test.csv";
  {
    std::ofstream f(path);
    f << "# comment\nreceipt,form\nEAC2590012345,I-485\n\nEAC2590012346,I-485\n";
  }
  EXPECT_EQ(count_case_lines(path.string(), InputFormat::kCsv), 2u);
  EXPECT_EQ(count_case_lines(path.string(), InputFormat::kJsonLines), 3u);
  std::filesystem::remove(path);
  EXPECT_FALSE(count_case_lines(path.string(), InputFormat::kCsv));
}

}  // namespace
}  // namespace docket::cli

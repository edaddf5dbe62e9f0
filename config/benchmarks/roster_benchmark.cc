// Loading a national roster (20,000 officers from CSV) must take a small fraction of a
// scheduler's start-up; this measures it end to end, file read included.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "docket/config/config.h"

namespace {

constexpr int kOfficers = 20000;

/// Writes a roster shaped like config/national/officers.csv: several centers, two or three
/// skills and up to two languages per officer.
std::filesystem::path write_roster(const std::filesystem::path& dir) {
  const char* centers[] = {"CSC", "NSC", "TSC", "VSC", "NBC", "FO-HOU", "FO-TPA"};
  const char* skills[] = {"I-130", "I-485", "I-765", "N-400", "I-140", "I-129", "I-90"};
  const char* languages[] = {"", "es", "es;zh", "vi", "", "ar;fr", ""};
  std::string text = "id,center,skills,languages,clearance,capacity,presence,senior\n";
  for (int i = 0; i < kOfficers; ++i) {
    text += "ISO-" + std::string(centers[i % 7]) + "-" + std::to_string(100000 + i) + "," +
            centers[i % 7] + "," + skills[i % 7] + ":" + std::to_string(i % 5 + 1) + ";" +
            skills[(i + 3) % 7] + ":" + std::to_string((i + 2) % 5 + 1) +
            (i % 3 ? std::string(";") + skills[(i + 5) % 7] + ":2" : "") + "," + languages[i % 7] +
            "," + (i % 30 ? "public_trust" : "top_secret") + "," + std::to_string(i % 5 + 4) +
            ",available," + (i % 7 ? "false" : "true") + "\n";
  }
  std::filesystem::path file = dir / "officers.csv";
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

docket::Catalog catalog_with_centers() {
  docket::Catalog catalog;
  for (const char* code : {"CSC", "NSC", "TSC", "VSC", "NBC", "FO-HOU", "FO-TPA"}) {
    docket::Center c;
    c.code = code;
    c.name = code;
    catalog.add_center(c);
  }
  return catalog;
}

void BM_LoadRosterCsv20k(benchmark::State& state) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "docket-roster-bench-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  std::filesystem::path dir = pattern;
  std::filesystem::path file = write_roster(dir);
  for (auto _ : state) {
    docket::Catalog catalog = catalog_with_centers();
    auto officers = docket::config::load_roster(file, catalog);
    benchmark::DoNotOptimize(officers.data());
    if (officers.size() != static_cast<std::size_t>(kOfficers)) state.SkipWithError("short load");
  }
  state.SetItemsProcessed(state.iterations() * kOfficers);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(std::filesystem::file_size(file)));
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_LoadRosterCsv20k)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

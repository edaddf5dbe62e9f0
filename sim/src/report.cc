#include "docket/sim/report.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

#include "docket/core/error.h"

namespace docket::sim {
namespace {

std::string label_of(const RunResult& r) {
  return r.rebalancer.empty() ? r.policy : r.policy + "+" + r.rebalancer + "-rebalance";
}

std::ofstream open(const std::filesystem::path& p) {
  std::ofstream f(p);
  if (!f) throw IoError("cannot write " + p.string());
  return f;
}

std::string date_of(const RunResult& r, std::size_t day) {
  return to_string(Date{std::chrono::floor<std::chrono::days>(r.start) + std::chrono::days(day)});
}

// Centers with at least one officer or case, in catalog order.
std::vector<CenterId> active_centers(const RunResult& r, const Catalog& cat) {
  std::vector<CenterId> out;
  for (const auto& c : cat.centers()) {
    bool any = r.officers_by_center[c.id] > 0;
    for (const auto& day : r.backlog_by_day) any = any || day[c.id] > 0;
    if (any) out.push_back(c.id);
  }
  return out;
}

}  // namespace

Summary summarize(const RunResult& r) {
  Summary s;
  s.label = label_of(r);
  s.due = r.due;
  s.missed = r.missed;
  s.miss_rate = r.miss_rate();
  CycleHistogram all;
  for (const auto& [key, h] : r.cycle) all.merge(h);
  s.p50_days = all.quantile(0.5);
  s.p80_days = all.quantile(0.8);
  s.open_p80_days = r.open_age.quantile(0.8);
  all.merge(r.open_age);
  s.p80_with_open_days = all.quantile(0.8);
  double avail = 0, worked = 0;
  for (std::size_t c = 0; c < r.available_hours.size(); ++c) {
    avail += r.available_hours[c];
    worked += r.worked_hours[c];
  }
  s.utilization = avail > 0 ? worked / avail : 0;
  s.inversions_per_1k = r.fairness_pairs > 0 ? 1000.0 * static_cast<double>(r.inversions) /
                                                   static_cast<double>(r.fairness_pairs)
                                             : 0;
  s.decided = r.decided;
  s.pending_at_end = r.pending_at_end;
  s.seconds = r.seconds_total;
  return s;
}

void print_report(std::FILE* out, const std::vector<RunResult>& runs, const Catalog& cat,
                  std::optional<std::int64_t> lb) {
  if (runs.empty()) return;
  const auto& first = runs.front();
  std::fprintf(out, "\n%d days from %s, %zu officers, backlog at start %lld (%lld already overdue), %lld receipts\n",
               first.days, date_of(first, 0).c_str(), first.officers,
               static_cast<long long>(first.backlog_at_start), static_cast<long long>(first.overdue_at_start),
               static_cast<long long>(first.received));
  std::fprintf(out, "deadlines due in the period: %lld; offline lower bound on misses: %s\n\n",
               static_cast<long long>(first.due),
               lb ? std::to_string(*lb).c_str() : "(not computed)");
  std::fprintf(out, "%-40s %10s %7s %7s %7s %6s %9s %10s %10s %10s %10s %8s\n", "policy", "missed", "miss%", "p50 d",
               "p80 d", "util%", "inv/1k", "decided", "open", "open p80 d", "p80+open d", "wall s");
  for (const auto& r : runs) {
    const Summary s = summarize(r);
    std::fprintf(out, "%-40s %10lld %6.2f%% %7.1f %7.1f %5.1f%% %9.1f %10lld %10lld %10.1f %10.1f %8.1f\n",
                 s.label.c_str(), static_cast<long long>(s.missed), 100 * s.miss_rate, s.p50_days, s.p80_days,
                 100 * s.utilization, s.inversions_per_1k, static_cast<long long>(s.decided),
                 static_cast<long long>(s.pending_at_end), s.open_p80_days, s.p80_with_open_days, s.seconds);
  }
  std::fprintf(out, "(p50/p80: decided cases, receipt to final decision; open: still open at the end, p80 of their "
                    "age; p80+open: decided and open cases together, open ones at their age)\n");
  if (lb) {
    std::fprintf(out, "\ngap to the lower bound (missed - bound) / due:");
    for (const auto& r : runs) {
      std::fprintf(out, "  %s %+.2f pp", label_of(r).c_str(),
                   r.due > 0 ? 100.0 * static_cast<double>(r.missed - *lb) / static_cast<double>(r.due) : 0.0);
    }
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\np80 cycle time per form, days (decided cases)\n%-10s", "form");
  for (const auto& r : runs) std::fprintf(out, " %22.22s", label_of(r).c_str());
  std::fprintf(out, "\n");
  for (const auto& form : cat.forms()) {
    bool any = false;
    std::vector<double> p80;
    for (const auto& r : runs) {
      CycleHistogram h;
      for (const auto& [key, hist] : r.cycle) {
        if (key.first == form.id) h.merge(hist);
      }
      any = any || h.count() > 0;
      p80.push_back(h.quantile(0.8));
    }
    if (!any) continue;
    std::fprintf(out, "%-10s", form.code.c_str());
    for (double v : p80) std::fprintf(out, " %22.1f", v);
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\nother counts:");
  for (const auto& r : runs) {
    std::fprintf(out, "\n  %-40s rounds %lld, offers %lld (cross-center %lld), RFEs %lld (back to the same officer %lld), QA %lld, transfers %lld (refused %lld), round time %.1f s",
                 label_of(r).c_str(), static_cast<long long>(r.rounds), static_cast<long long>(r.offers),
                 static_cast<long long>(r.cross_center_offers), static_cast<long long>(r.rfes),
                 static_cast<long long>(r.rfe_same_officer), static_cast<long long>(r.qa_reviews),
                 static_cast<long long>(r.transfers), static_cast<long long>(r.transfers_refused), r.seconds_rounds);
  }
  std::fprintf(out, "\n");
}

void write_csv(const std::filesystem::path& dir, const std::vector<RunResult>& runs, const Catalog& cat,
               std::optional<std::int64_t> lb) {
  std::filesystem::create_directories(dir);
  {
    auto f = open(dir / "summary.csv");
    f << "policy,officers,backlog_at_start,received,decided,approved,pending_at_end,due,missed,miss_rate,"
         "lower_bound_missed,p50_days,p80_days,open_p80_days,p80_with_open_days,utilization,fairness_pairs,inversions,inversions_per_1k,"
         "rfes,rfe_same_officer,qa_reviews,transfers,transfers_refused,offers,cross_center_offers,rounds,"
         "seconds_total,seconds_rounds\n";
    for (const auto& r : runs) {
      const Summary s = summarize(r);
      f << s.label << ',' << r.officers << ',' << r.backlog_at_start << ',' << r.received << ',' << r.decided << ','
        << r.approved << ',' << r.pending_at_end << ',' << r.due << ',' << r.missed << ',' << s.miss_rate << ','
        << (lb ? std::to_string(*lb) : "") << ',' << s.p50_days << ',' << s.p80_days << ',' << s.open_p80_days << ','
        << s.p80_with_open_days << ',' << s.utilization << ','
        << r.fairness_pairs << ',' << r.inversions << ',' << s.inversions_per_1k << ',' << r.rfes << ','
        << r.rfe_same_officer << ',' << r.qa_reviews << ',' << r.transfers << ',' << r.transfers_refused << ','
        << r.offers << ',' << r.cross_center_offers << ',' << r.rounds << ',' << r.seconds_total << ','
        << r.seconds_rounds << '\n';
    }
  }
  {
    auto f = open(dir / "cycle_times.csv");
    f << "policy,form,center,decided,p50_days,p80_days\n";
    for (const auto& r : runs) {
      std::map<FormId, CycleHistogram> by_form;
      std::map<CenterId, CycleHistogram> by_center;
      for (const auto& [key, h] : r.cycle) {
        f << label_of(r) << ',' << cat.form(key.first).code << ',' << cat.center(key.second).code << ','
          << h.count() << ',' << h.quantile(0.5) << ',' << h.quantile(0.8) << '\n';
        by_form[key.first].merge(h);
        by_center[key.second].merge(h);
      }
      for (const auto& [form, h] : by_form) {
        f << label_of(r) << ',' << cat.form(form).code << ",ALL," << h.count() << ',' << h.quantile(0.5) << ','
          << h.quantile(0.8) << '\n';
      }
      for (const auto& [center, h] : by_center) {
        f << label_of(r) << ",ALL," << cat.center(center).code << ',' << h.count() << ',' << h.quantile(0.5)
          << ',' << h.quantile(0.8) << '\n';
      }
    }
  }
  {
    auto f = open(dir / "backlog.csv");
    f << "policy,day,date,center,pending\n";
    for (const auto& r : runs) {
      const auto centers = active_centers(r, cat);
      for (std::size_t d = 0; d < r.backlog_by_day.size(); ++d) {
        for (CenterId c : centers) {
          f << label_of(r) << ',' << d << ',' << date_of(r, d) << ',' << cat.center(c).code << ','
            << r.backlog_by_day[d][c] << '\n';
        }
      }
    }
  }
  {
    auto f = open(dir / "utilization.csv");
    f << "policy,center,officers,available_hours,worked_hours,utilization\n";
    for (const auto& r : runs) {
      for (const auto& c : cat.centers()) {
        if (r.officers_by_center[c.id] == 0) continue;
        const double a = r.available_hours[c.id], w = r.worked_hours[c.id];
        f << label_of(r) << ',' << c.code << ',' << r.officers_by_center[c.id] << ',' << a << ',' << w << ','
          << (a > 0 ? w / a : 0) << '\n';
      }
    }
  }
}

std::vector<std::filesystem::path> write_plots(const std::filesystem::path& dir, const std::vector<RunResult>& runs,
                                               const Catalog& cat) {
  std::filesystem::create_directories(dir);
  std::vector<std::filesystem::path> scripts, pngs;
  if (runs.empty()) return pngs;
  // Total pending per policy over time.
  {
    auto d = open(dir / "backlog_total.dat");
    d << "# day";
    for (const auto& r : runs) d << '\t' << label_of(r);
    d << '\n';
    for (std::size_t day = 0; day < runs.front().backlog_by_day.size(); ++day) {
      d << day;
      for (const auto& r : runs) {
        std::int64_t t = 0;
        if (day < r.backlog_by_day.size()) {
          for (auto v : r.backlog_by_day[day]) t += v;
        }
        d << '\t' << t;
      }
      d << '\n';
    }
    auto g = open(dir / "backlog_total.gp");
    g << "set terminal pngcairo size 1100,600\nset output 'backlog_total.png'\n"
      << "set title 'Pending cases, all centers'\nset xlabel 'day'\nset ylabel 'pending'\nset key outside right\n"
      << "set grid\nset format y '%.0f'\nplot ";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      g << (i ? ", " : "") << "'backlog_total.dat' using 1:" << i + 2 << " with lines lw 2 title '" << label_of(runs[i])
        << "'";
    }
    g << '\n';
    scripts.push_back("backlog_total.gp");
    pngs.push_back(dir / "backlog_total.png");
  }
  // Pending per center over time, one plot per policy.
  for (const auto& r : runs) {
    const std::string name = "backlog_centers_" + label_of(r);
    const auto centers = active_centers(r, cat);
    auto d = open(dir / (name + ".dat"));
    for (std::size_t day = 0; day < r.backlog_by_day.size(); ++day) {
      d << day;
      for (CenterId c : centers) d << '\t' << r.backlog_by_day[day][c];
      d << '\n';
    }
    auto g = open(dir / (name + ".gp"));
    g << "set terminal pngcairo size 1100,650\nset output '" << name << ".png'\n"
      << "set title 'Pending cases per center: " << label_of(r) << "'\nset xlabel 'day'\nset ylabel 'pending'\n"
      << "set key outside right\nset grid\nset logscale y\nplot ";
    for (std::size_t i = 0; i < centers.size(); ++i) {
      g << (i ? ", " : "") << "'" << name << ".dat' using 1:" << i + 2 << " with lines title '"
        << cat.center(centers[i]).code << "'";
    }
    g << '\n';
    scripts.push_back(name + ".gp");
    pngs.push_back(dir / (name + ".png"));
  }
  // p80 cycle time per form, one bar per policy.
  {
    auto d = open(dir / "p80_by_form.dat");
    d << "form";
    for (const auto& r : runs) d << '\t' << label_of(r);
    d << '\n';
    for (const auto& form : cat.forms()) {
      std::vector<double> v;
      bool any = false;
      for (const auto& r : runs) {
        CycleHistogram h;
        for (const auto& [key, hist] : r.cycle) {
          if (key.first == form.id) h.merge(hist);
        }
        any = any || h.count() > 0;
        v.push_back(h.quantile(0.8));
      }
      if (!any) continue;
      d << form.code;
      for (double x : v) d << '\t' << x;
      d << '\n';
    }
    auto g = open(dir / "p80_by_form.gp");
    g << "set terminal pngcairo size 1300,600\nset output 'p80_by_form.png'\n"
      << "set title '80th-percentile cycle time per form (days)'\nset style data histograms\n"
      << "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\nset boxwidth 0.9\n"
      << "set xtics rotate by -45\nset key outside right\nset grid ytics\nset ylabel 'days'\nplot ";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      g << (i ? ", " : "") << "'p80_by_form.dat' using " << i + 2 << (i == 0 ? ":xtic(1)" : "") << " title columnhead";
    }
    g << '\n';
    scripts.push_back("p80_by_form.gp");
    pngs.push_back(dir / "p80_by_form.png");
  }
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) return {};
  std::vector<std::filesystem::path> made;
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    const std::string cmd = "cd '" + dir.string() + "' && gnuplot '" + scripts[i].string() + "' 2>/dev/null";
    if (std::system(cmd.c_str()) == 0 && std::filesystem::exists(pngs[i])) made.push_back(pngs[i]);
  }
  return made;
}

}  // namespace docket::sim

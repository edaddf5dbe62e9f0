#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "docket/worker/behaviour.h"

namespace docket::worker {

/// A person at a terminal: offers and results are printed, commands are read line by line.
///
/// Commands (a receipt may be given in any letter case):
///   accept <receipt>
///   decline <receipt> [reason...]
///   recuse <receipt> [reason...]          decline and be excluded from the case for good
///   decide <receipt> <outcome> [center|note...]   outcome: approve|deny|rfe|refer|transfer;
///                                          a transfer names the receiving center
///   pull [officer]
///   presence <available|away|offline> [officer]
///   cases
///   help
///   quit
/// The officer may be left out when the desk plays one officer.
class InteractiveBehaviour final : public Behaviour {
 public:
  /// Reads commands from `input_fd` (without blocking the loop) and prints to `out`.
  InteractiveBehaviour(int input_fd, std::FILE* out);
  void on_event(Desk& desk, const Event& event) override;
  Millis tick(Desk& desk) override;
  bool finished() const override { return quit_; }

  /// Runs one command line and returns what to print (an error message for a bad command).
  /// Never throws for a bad command.
  std::string execute(Desk& desk, std::string_view line);

 private:
  std::string default_officer(const Desk& desk, const std::string& given) const;

  int fd_;
  std::FILE* out_;
  std::string partial_;
  bool eof_ = false;
  bool quit_ = false;
};

}  // namespace docket::worker

#pragma once

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "docket/config/config.h"

namespace docket::config::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Writes `text` to `name` inside the directory and returns the file's path.
  std::filesystem::path write(std::string_view name, std::string_view text) const;

 private:
  std::filesystem::path path_;
};

/// A small valid national configuration (two centers, two forms, three officers), written to a
/// temp dir; tests replace one file with a broken variant and check the error.
struct MiniConfig {
  static const char* const kDocket;
  static const char* const kCenters;
  static const char* const kForms;
  static const char* const kOfficers;

  MiniConfig();
  /// Loads dir/docket.yaml with `env`.
  NationalConfig load(const Environment& env = {}) const;

  TempDir dir;
};

/// `text` with the first occurrence of `from` replaced by `to`; fails the test if absent.
std::string replace(std::string text, std::string_view from, std::string_view to);

/// Runs `fn`, expects a ConfigError and returns its message ("" if none was thrown).
std::string config_error(const std::function<void()>& fn);

}  // namespace docket::config::testing

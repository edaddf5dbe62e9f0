#pragma once

#include <string>
#include <utility>
#include <variant>

#include "docket/core/error.h"

namespace docket {

/// A value or an error message, for factories and parsers where failure is an expected answer
/// (an unknown policy name, a bad line in an import) rather than a fault.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  static Result failure(std::string message) { return Result(Failure{std::move(message)}); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  /// The value. Throws InvalidArgument carrying the error message when there is none.
  T& value() & {
    if (!ok()) throw InvalidArgument(error());
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw InvalidArgument(error());
    return std::get<0>(std::move(v_));
  }
  const std::string& error() const {
    static const std::string kNone;
    return ok() ? kNone : std::get<1>(v_).message;
  }

 private:
  struct Failure {
    std::string message;
  };
  explicit Result(Failure f) : v_(std::move(f)) {}
  std::variant<T, Failure> v_;
};

}  // namespace docket

#pragma once

#include <stdexcept>
#include <string>

namespace docket {

/// Base of every exception Docket throws. Components translate the errors of the libraries they
/// wrap (yaml-cpp, hiredis, ZeroMQ) into this hierarchy at their boundary, so callers only ever
/// catch docket::Error and its children.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Input that breaks a documented rule: a malformed receipt number, an unknown form type, an
/// illegal lifecycle transition. The message names the offending value and what was expected.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A configuration file or value is wrong. The message names the file, line and field.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Input/output with an external system failed (Redis, ZeroMQ, the file system).
class IoError : public Error {
 public:
  using Error::Error;
};

/// An IoError caused by a deadline passing rather than by a refusal.
class TimeoutError : public IoError {
 public:
  using IoError::IoError;
};

}  // namespace docket

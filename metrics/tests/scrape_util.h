// Helpers shared by the metrics tests: a plain HTTP GET on loopback, running a command and
// capturing its output, promtool's lint, and reading one sample from a scrape.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include "docket/core/error.h"

namespace docket::metrics::scrape {

/// GET http://127.0.0.1:<port><path> (HTTP/1.0); returns the status code and the body.
inline std::pair<int, std::string> http_get_status(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw IoError("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, request.data(), request.size(), 0) < 0) {
    ::close(fd);
    throw IoError("cannot send to 127.0.0.1:" + std::to_string(port));
  }
  std::string response;
  char buf[8192];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const auto body = response.find("\r\n\r\n");
  int status = 0;
  if (response.rfind("HTTP/", 0) == 0) status = std::atoi(response.c_str() + response.find(' ') + 1);
  return {status, body == std::string::npos ? "" : response.substr(body + 4)};
}

inline std::string http_get(int port, const std::string& path) { return http_get_status(port, path).second; }

/// Runs a shell command; returns its exit code and what it printed (stdout and stderr).
inline std::pair<int, std::string> run(const std::string& command) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw IoError("cannot run: " + command);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int rc = pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

/// Writes text to a new temporary file and returns its path.
inline std::string write_temp(const std::string& text, const std::string& stem = "docket-scrape") {
  std::string path = "/tmp/" + stem + "-XXXXXX";
  const int fd = mkstemp(path.data());
  if (fd < 0) throw IoError("cannot create a temporary file");
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw IoError("cannot write " + path);
  return path;
}

/// promtool check metrics reads the exposition on stdin and lints names, units and help.
inline std::pair<int, std::string> promtool_check(const std::string& text) {
  const std::string path = write_temp(text);
  auto result = run("promtool check metrics < " + path);
  ::unlink(path.c_str());
  return result;
}

/// The value of one series in a scrape (`name` or `name{labels}` exactly as exposed), if present.
inline std::optional<double> sample(const std::string& text, const std::string& series) {
  for (std::size_t at = text.find(series); at != std::string::npos; at = text.find(series, at + 1)) {
    if (at > 0 && text[at - 1] != '\n') continue;
    if (text[at + series.size()] != ' ') continue;
    return std::stod(text.substr(at + series.size() + 1));
  }
  return std::nullopt;
}

/// A TCP port on loopback that was free a moment ago.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw IoError("cannot bind a loopback port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace docket::metrics::scrape

// docketctl: the management and officer command line. Everything but the process entry lives in
// docket::cli (app.h), so that it can be tested.

#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "docket/cli/app.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  const std::vector<std::string> args(argv + 1, argv + argc);
  const int code = docket::cli::run(args, std::cout, std::cerr, isatty(STDERR_FILENO) == 1);
  std::cout.flush();
  return code;
}

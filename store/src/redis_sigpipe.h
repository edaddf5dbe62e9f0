#pragma once

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace docket::store::detail {

/// Blocks SIGPIPE in the calling thread for its lifetime. hiredis writes with write(2), so a
/// peer that has closed the socket raises SIGPIPE, whose default action ends the process; the
/// signal is held while the socket is used and, after a failure, a SIGPIPE raised meanwhile is
/// consumed. The process-wide disposition is left to the application.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    already_blocked_ = sigismember(&old_, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (already_blocked_) return;
    if (drain_) {
      sigset_t pending;
      sigemptyset(&pending);
      if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{};
        while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

  /// The socket failed, so SIGPIPE may be pending: consume it before unblocking.
  void failed() { drain_ = true; }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool already_blocked_ = false;
  bool drain_ = false;
};

}  // namespace docket::store::detail

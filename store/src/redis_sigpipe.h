#pragma once

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <ctime>

namespace docket::store::detail {

/// True when the process ignores SIGPIPE (its disposition is SIG_IGN): a write to a closed socket
/// then fails with EPIPE and raises nothing, so no guard is needed.
inline bool sigpipe_ignored() {
  struct sigaction current {};
  return sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

/// Blocks SIGPIPE in the calling thread for its lifetime. hiredis writes with write(2), so a
/// peer that has closed the socket raises SIGPIPE, whose default action ends the process; the
/// signal is held while the socket is used and, after a failure, a SIGPIPE raised meanwhile is
/// consumed. The process-wide disposition is left to the application. A guard made with `needed`
/// false does nothing: the caller found SIGPIPE ignored (sigpipe_ignored()), and spares the two
/// system calls of each guard.
class SigpipeGuard {
 public:
  explicit SigpipeGuard(bool needed = true) : active_(needed) {
    if (!active_) return;
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    already_blocked_ = sigismember(&old_, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!active_ || already_blocked_) return;
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
  bool active_;
  sigset_t pipe_{};
  sigset_t old_{};
  bool already_blocked_ = false;
  bool drain_ = false;
};

}  // namespace docket::store::detail

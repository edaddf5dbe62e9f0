#pragma once

#include "docket/worker/desk.h"

namespace docket::worker {

/// What an officer does with what arrives on the desk: answer offers, work cases, decide. One
/// implementation per file: InteractiveBehaviour (a person at a terminal) and SimulatedBehaviour
/// (calibrated officers for demos and load tests).
///
/// The program's loop calls Desk::poll(), hands each event to on_event(), then calls tick(); a
/// behaviour acts only through the desk's methods, so one loop drives any of them.
class Behaviour {
 public:
  virtual ~Behaviour() = default;
  /// Reacts to one event. May call the desk's actions; must not throw for an event it does not
  /// care about.
  virtual void on_event(Desk& desk, const Event& event) = 0;
  /// Does what has come due (finished work, typed commands). Returns how long the loop may wait
  /// before calling again.
  virtual Millis tick(Desk& desk) = 0;
  /// True when the behaviour wants the program to stop (the interactive `quit`).
  virtual bool finished() const { return false; }
};

}  // namespace docket::worker

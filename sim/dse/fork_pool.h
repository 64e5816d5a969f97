#pragma once
// Runs tasks in forked child processes, at most `parallel` at a time. A child starts
// from the parent's memory (loaded models, parsed specs) without exec, so it pays
// neither process start-up nor SystemC's static initialisation, and it may run one
// SystemC simulation of its own (a process may elaborate only once).
//
//  * The parent must be single-threaded when run() forks (join worker threads first).
//  * A child dies with its parent (PR_SET_PDEATHSIG), also when the parent is killed
//    with SIGKILL. SIGINT, SIGTERM and SIGHUP received by the parent during run() stop
//    new launches, end the running children, and make run() throw Interrupted after
//    they are reaped.
//  * A task reports failure by throwing; the child sends the message to the parent
//    (the first 4 KiB) and exits 1. A child killed by a signal is reported as such.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>

namespace itera::dse {

struct TaskOutcome {
  bool ok = false;
  std::string error;  // !ok: the task's exception message, or how the child died
};

class Interrupted : public std::runtime_error {
 public:
  explicit Interrupted(int signal);
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Runs task(i) for i = 0..count-1, each in its own child; on_done(i, outcome) runs in
// the parent as each child ends (in completion order). Throws Interrupted (see above)
// or itera::Error when fork fails.
void run_forked(size_t count, int parallel, const std::function<void(size_t)>& task,
                const std::function<void(size_t, const TaskOutcome&)>& on_done);

}  // namespace itera::dse

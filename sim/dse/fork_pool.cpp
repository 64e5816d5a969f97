#include "fork_pool.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "error.h"

namespace itera::dse {

namespace {

volatile std::sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

// Installs the stop handlers for the scope of run_forked (restoring the old ones).
class StopSignals {
 public:
  StopSignals() {
    g_signal = 0;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~StopSignals() {
    for (size_t i = 0; i < kCount; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  static void restore_defaults() {
    for (int s : kSignals) std::signal(s, SIG_DFL);
  }

 private:
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
  static constexpr size_t kCount = 3;
  struct sigaction old_[kCount];
};

struct Child {
  size_t task = 0;
  int pipe_fd = -1;  // read end: the child's error message
};

[[noreturn]] void child_main(size_t i, const std::function<void(size_t)>& task, int write_fd, pid_t parent) {
  StopSignals::restore_defaults();
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);  // the parent died before prctl took effect
  const int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
  }
  int status = 0;
  std::string message;
  try {
    task(i);
  } catch (const std::exception& e) {
    message = e.what();
    status = 1;
  } catch (...) {
    message = "unknown error";
    status = 1;
  }
  if (!message.empty()) {
    message.resize(std::min<size_t>(message.size(), 4096));
    [[maybe_unused]] const ssize_t n = ::write(write_fd, message.data(), message.size());
  }
  ::_exit(status);  // no exit handlers: they belong to the parent
}

std::string read_all(int fd) {
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return text;
}

TaskOutcome outcome_of(int status, const std::string& message) {
  TaskOutcome o;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    o.ok = true;
  } else if (WIFSIGNALED(status)) {
    const char* name = strsignal(WTERMSIG(status));
    o.error = fmt::format("the worker was killed by signal {} ({})", WTERMSIG(status), name ? name : "unknown");
  } else {
    o.error = message.empty() ? fmt::format("the worker exited with status {}", WEXITSTATUS(status)) : message;
  }
  return o;
}

}  // namespace

Interrupted::Interrupted(int signal)
    : std::runtime_error(fmt::format("interrupted by signal {} ({})", signal, strsignal(signal))), signal_(signal) {}

void run_forked(size_t count, int parallel, const std::function<void(size_t)>& task,
                const std::function<void(size_t, const TaskOutcome&)>& on_done) {
  const StopSignals stop;
  const pid_t parent = ::getpid();
  std::map<pid_t, Child> running;
  size_t next = 0;
  auto reap = [&](pid_t pid, int status) {
    const auto it = running.find(pid);
    if (it == running.end()) return;
    const Child c = it->second;
    running.erase(it);
    const std::string message = read_all(c.pipe_fd);
    ::close(c.pipe_fd);
    if (g_signal == 0) on_done(c.task, outcome_of(status, message));
  };
  while ((next < count && g_signal == 0) || !running.empty()) {
    while (next < count && g_signal == 0 && running.size() < static_cast<size_t>(std::max(1, parallel))) {
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) throw Error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
      const pid_t pid = ::fork();
      if (pid < 0) {
        const int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw Error(fmt::format("cannot start a worker process: {}", std::strerror(err)));
      }
      if (pid == 0) {
        ::close(fds[0]);
        child_main(next, task, fds[1], parent);
      }
      ::close(fds[1]);
      running[pid] = Child{next, fds[0]};
      ++next;
    }
    if (g_signal != 0)
      for (const auto& [pid, c] : running) ::kill(pid, SIGTERM);
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      throw Error(fmt::format("waiting for workers: {}", std::strerror(errno)));
    }
    reap(pid, status);
  }
  if (g_signal != 0) throw Interrupted(g_signal);
}

}  // namespace itera::dse

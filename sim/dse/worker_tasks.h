#pragma once
// Runs a DSE stage's tasks in forked workers (fork_pool.h) with a progress line, and
// turns failures into one error naming the first few.
#include <cstddef>
#include <functional>
#include <string>

namespace itera::dse {

struct DseOptions;

// Runs task(i) for i = 0..count-1 in forked workers (o.jobs at a time) with a progress
// line titled `what`; throws itera::Error naming the first failures, by name(i), after
// every task ended (finished ones are kept), or Interrupted.
void run_worker_tasks(const std::string& what, size_t count, const DseOptions& o,
                      const std::function<void(size_t)>& task, const std::function<std::string(size_t)>& name);

}  // namespace itera::dse

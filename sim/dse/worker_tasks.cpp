#include "worker_tasks.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "dse_run.h"
#include "error.h"
#include "fork_pool.h"
#include "progress_line.h"

namespace itera::dse {

void run_worker_tasks(const std::string& what, size_t count, const DseOptions& o,
                      const std::function<void(size_t)>& task, const std::function<std::string(size_t)>& name) {
  if (count == 0) return;
  ProgressLine progress(what, count, o.progress);
  std::vector<std::string> failures;
  run_forked(count, o.jobs, task, [&](size_t i, const TaskOutcome& r) {
    progress.advance();
    if (!r.ok) failures.push_back(fmt::format("{}: {}", name(i), r.error));
  });
  progress.finish();
  if (!failures.empty()) {
    std::sort(failures.begin(), failures.end());
    std::string text;
    for (size_t i = 0; i < failures.size() && i < 5; ++i) text += "\n  " + failures[i];
    if (failures.size() > 5) text += fmt::format("\n  ... and {} more", failures.size() - 5);
    throw Error(fmt::format("{} of {} {} failed (finished ones are kept; rerun to retry):{}", failures.size(), count,
                            what, text));
  }
}

}  // namespace itera::dse

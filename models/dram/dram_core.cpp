#include "dram_core.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

DramCore::DramCore(const DramTiming& timing, int queue_depth)
    : timing_(timing),
      depth_(static_cast<size_t>(queue_depth)),
      burst_bytes_(static_cast<uint64_t>(timing.bus_bits / 8 * timing.burst_length)),
      cols_per_row_(static_cast<uint64_t>(timing.row_bytes) / burst_bytes_),
      half_burst_(static_cast<uint64_t>(timing.burst_length / 2)),
      channels_(static_cast<size_t>(timing.channels)) {
  if (queue_depth < 1 || burst_bytes_ == 0 || cols_per_row_ == 0)
    throw Error(fmt::format("DRAM preset '{}': inconsistent geometry", timing.name));
  for (Channel& c : channels_) {
    c.banks.resize(static_cast<size_t>(timing.banks));
    c.next_refresh = static_cast<uint64_t>(timing.tREFI);
  }
}

double DramCore::peak_bytes_per_tick() const { return timing_.channels * timing_.bus_bits / 8.0 * 2.0; }

std::string DramCore::describe() const {
  return fmt::format("{}: {} x {}-bit channel(s), {} MT/s, {} banks, {} B rows, BL{}, CL-RCD-RP-RAS {}-{}-{}-{}, "
                     "peak {:.1f} GB/s",
                     timing_.name, timing_.channels, timing_.bus_bits, timing_.data_rate_mts, timing_.banks,
                     timing_.row_bytes, timing_.burst_length, timing_.tCL, timing_.tRCD, timing_.tRP, timing_.tRAS,
                     timing_.peak_gbps());
}

void DramCore::submit(uint64_t addr, uint64_t bytes, bool write) {
  if (bytes == 0) return;
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  const uint64_t first = addr / burst_bytes_, last = (addr + bytes - 1) / burst_bytes_;
  const uint64_t n_channels = channels_.size();
  outstanding_ += last - first + 1;
  // Burst b lives in channel b % C at channel-local index i = b / C; i / cols_per_row is
  // its (row, bank) slot. Each channel receives its bursts in address order, one entry
  // per run within a row.
  for (uint64_t ch = 0; ch < n_channels; ++ch) {
    const uint64_t b0 = first + (ch + n_channels - first % n_channels) % n_channels;  // first burst in ch
    if (b0 > last) continue;
    const uint64_t i0 = b0 / n_channels, i1 = (last - ch) / n_channels;  // channel-local range
    std::deque<Burst>& w = channels_[ch].waiting;
    for (uint64_t i = i0; i <= i1;) {
      const uint64_t slot = i / cols_per_row_;
      const uint64_t end = std::min(i1, (slot + 1) * cols_per_row_ - 1);
      const auto bank = static_cast<uint32_t>(slot % static_cast<uint64_t>(timing_.banks));
      const uint64_t row = slot / static_cast<uint64_t>(timing_.banks);
      if (!w.empty() && w.back().bank == bank && w.back().row == row)
        w.back().count += end - i + 1;
      else
        w.push_back({bank, row, end - i + 1});
      i = end + 1;
    }
  }
}

void DramCore::refresh(Channel& c, uint64_t at) {
  for (Bank& b : c.banks) {
    b.open_row = -1;
    b.fresh = false;
    b.precharged_for_conflict = false;
  }
  c.refresh_until = at + static_cast<uint64_t>(timing_.tRFC + timing_.tRP);
  c.next_refresh += static_cast<uint64_t>(timing_.tREFI);
  c.refresh_due = false;
  ++stats_.refreshes;
}

bool DramCore::issue(Channel& c) {
  const uint64_t tcl = static_cast<uint64_t>(timing_.tCL);
  const bool column_ok = now_ >= c.next_col && c.bus_free <= now_ + tcl;  // tCCD and the data slot
  // One pass in age order: the first burst that can take a column command issues it (1);
  // on the way, note the oldest burst whose closed bank can be activated (2) and mark the
  // banks whose open row some queued burst wants (they must not be precharged, 3).
  ++scan_;
  Burst* activate = nullptr;
  for (auto it = c.queue.begin(); it != c.queue.end(); ++it) {
    Bank& b = c.banks[it->bank];
    if (b.open_row == static_cast<int64_t>(it->row)) {
      if (column_ok && now_ >= b.ready_col) {
        column(c, it);
        return true;
      }
      b.wanted = scan_;
    } else if (b.open_row < 0 && activate == nullptr && now_ >= b.ready_act) {
      activate = &*it;
    }
  }
  // 2. Activate a closed bank for the oldest burst that needs it.
  if (activate != nullptr) {
    Bank& b = c.banks[activate->bank];
    b.open_row = static_cast<int64_t>(activate->row);
    b.ready_col = now_ + static_cast<uint64_t>(timing_.tRCD);
    b.ready_pre = now_ + static_cast<uint64_t>(timing_.tRAS);
    b.fresh = true;
    b.fresh_kind = b.precharged_for_conflict ? Opened::Conflict : Opened::Miss;
    b.precharged_for_conflict = false;
    return true;
  }
  // 3. Precharge, for the oldest burst that needs another row, a bank whose open row no
  // queued burst wants.
  for (const Burst& q : c.queue) {
    Bank& b = c.banks[q.bank];
    if (b.open_row < 0 || b.open_row == static_cast<int64_t>(q.row) || b.wanted == scan_ || now_ < b.ready_pre)
      continue;
    b.open_row = -1;
    b.ready_act = now_ + static_cast<uint64_t>(timing_.tRP);
    b.precharged_for_conflict = true;
    b.fresh = false;
    return true;
  }
  return false;
}

void DramCore::column(Channel& c, std::vector<Burst>::iterator it) {
  Bank& b = c.banks[it->bank];
  const uint64_t end = now_ + static_cast<uint64_t>(timing_.tCL) + half_burst_;  // data: [end - BL/2, end)
  c.bus_free = end;
  c.next_col = now_ + half_burst_;
  last_data_end_ = std::max(last_data_end_, end);
  ++stats_.bursts;
  stats_.data_bus_busy_cycles += half_burst_;
  if (b.fresh) {
    (b.fresh_kind == Opened::Conflict ? stats_.row_conflicts : stats_.row_misses) += 1;
    b.fresh = false;
  } else {
    ++stats_.row_hits;
  }
  if (--it->count == 0) c.queue.erase(it);
  --c.queued;
  --outstanding_;
}

bool DramCore::step_channel(Channel& c) {
  bool changed = false;
  // Bursts enter the scheduler's window in order, up to its depth; a burst continuing
  // the youngest entry's row joins that entry.
  while (c.queued < depth_ && !c.waiting.empty()) {
    Burst& w = c.waiting.front();
    const uint64_t take = std::min<uint64_t>(w.count, depth_ - c.queued);
    if (!c.queue.empty() && c.queue.back().bank == w.bank && c.queue.back().row == w.row)
      c.queue.back().count += take;
    else
      c.queue.push_back({w.bank, w.row, take});
    c.queued += take;
    w.count -= take;
    if (w.count == 0) c.waiting.pop_front();
    changed = true;
  }
  if (!c.refresh_due && now_ >= c.next_refresh) {
    c.refresh_due = true;
    changed = true;
  }
  if (c.refresh_due) {
    if (now_ >= c.bus_free) {
      refresh(c, now_);
      return true;
    }
    return changed;
  }
  if (now_ < c.refresh_until) return changed;
  return issue(c) || changed;
}

bool DramCore::step() {
  bool changed = false;
  for (Channel& c : channels_) changed = step_channel(c) || changed;
  return changed;
}

void DramCore::tick() {
  step();
  ++now_;
}

uint64_t DramCore::next_event() const {
  uint64_t next = std::numeric_limits<uint64_t>::max();
  const auto consider = [&](uint64_t t) {
    if (t > now_ && t < next) next = t;
  };
  const uint64_t tcl = static_cast<uint64_t>(timing_.tCL);
  consider(last_data_end_);
  for (const Channel& c : channels_) {
    consider(c.next_refresh);
    consider(c.refresh_until);
    if (c.refresh_due) consider(c.bus_free);
    if (c.queue.empty()) continue;
    consider(c.next_col);
    if (c.bus_free > tcl) consider(c.bus_free - tcl);
    for (const Burst& q : c.queue) {
      const Bank& b = c.banks[q.bank];
      if (b.open_row == static_cast<int64_t>(q.row))
        consider(b.ready_col);
      else
        consider(b.open_row < 0 ? b.ready_act : b.ready_pre);
    }
  }
  return next == std::numeric_limits<uint64_t>::max() ? now_ + 1 : next;
}

void DramCore::run_until_idle() {
  while (!idle()) {
    if (step())
      ++now_;
    else
      now_ = next_event();
  }
}

void DramCore::skip_to(uint64_t t) {
  if (!idle()) throw Error("internal: DramCore::skip_to on a busy core");
  for (Channel& c : channels_) {
    // The refreshes ticking would have done at the cycles in [now_, t).
    for (;;) {
      if (c.refresh_due) {
        const uint64_t at = std::max(now_, c.bus_free);
        if (at >= t) break;
        refresh(c, at);
        continue;
      }
      if (c.next_refresh >= t) break;
      const uint64_t at = std::max({now_, c.next_refresh, c.bus_free});
      if (at >= t) {
        c.refresh_due = true;
        break;
      }
      refresh(c, at);
    }
  }
  now_ = std::max(now_, t);
}

}  // namespace itera::hw

#include "dram_core.h"

#include <algorithm>

#include <fmt/format.h>

#include "error.h"

namespace itera::hw {

DramCore::Channel::Channel(const CommandTiming& timing, const AddressMapping& mapping, uint32_t index,
                           size_t n_banks, size_t depth)
    : banks(n_banks), scheduler(timing, mapping, index, n_banks, depth), refresh(timing) {}

DramCore::DramCore(const DramTiming& timing, const std::string& address_mapping, int queue_depth)
    : timing_(timing),
      depth_(static_cast<uint64_t>(std::max(queue_depth, 1))),
      cycles_(timing),
      mapping_(timing, address_mapping) {
  if (queue_depth < 1 || queue_depth > 4096)
    throw Error(fmt::format("DRAM queue depth {} is out of range (1 to 4096)", queue_depth));
  if (timing.bank_groups > static_cast<int>(RankTiming::kMaxBankGroups))
    throw Error(fmt::format("DRAM preset '{}': {} bank groups; at most {} are modelled", timing.name,
                            timing.bank_groups, RankTiming::kMaxBankGroups));
  channels_.reserve(static_cast<size_t>(timing.channels));
  for (int c = 0; c < timing.channels; ++c)
    channels_.emplace_back(cycles_, mapping_, static_cast<uint32_t>(c), static_cast<size_t>(timing.banks), depth_);
  reached_.resize(channels_.size());
}

bool DramCore::accepts(uint64_t addr) const {
  return channels_[mapping_.decode(addr).channel].scheduler.pending() < depth_;
}

double DramCore::peak_bytes_per_tick() const { return timing_.channels * timing_.bus_bits / 8.0 * 2.0; }

std::string DramCore::describe() const {
  return fmt::format("{}: {} x {}-bit channel(s), {} MT/s, {} banks in {} bank group(s), {} B rows, BL{}, "
                     "CL-RCD-RP-RAS {}-{}-{}-{}, tCCD_S/L {}/{}, mapping {}, peak {:.1f} GB/s",
                     timing_.name, timing_.channels, timing_.bus_bits, timing_.data_rate_mts, timing_.banks,
                     timing_.bank_groups, timing_.row_bytes, timing_.burst_length, timing_.tCL, timing_.tRCD,
                     timing_.tRP, timing_.tRAS, timing_.tCCD_S, timing_.tCCD_L, mapping_.text(), timing_.peak_gbps());
}

void DramCore::submit(uint64_t addr, uint64_t bytes, bool write) {
  if (bytes == 0) return;
  quiet_until_ = 0;
  (write ? stats_.write_bytes : stats_.read_bytes) += bytes;
  const uint64_t first = mapping_.first_burst(addr), last = mapping_.last_burst(addr, bytes);
  outstanding_ += last - first + 1;
  for (uint64_t ch = 0; ch < channels_.size(); ++ch) {
    const uint64_t n = mapping_.count_in_channel(first, last, ch);
    if (n > 0) channels_[ch].scheduler.enqueue(first, last, write, now_, n);
  }
}

bool DramCore::step_channel(Channel& c) {
  const bool admitted = c.scheduler.admit();
  switch (c.refresh.step(now_, c.banks)) {
    case Refresh::Gate::Started:
      ++stats_.refreshes;
      commanded_ = true;
      return true;
    case Refresh::Gate::BecameDue:
      commanded_ = true;
      return true;
    case Refresh::Gate::Blocked:
      return admitted;
    case Refresh::Gate::Free:
      break;
  }
  const Command issued = c.scheduler.issue(now_, c.banks, stats_);
  commanded_ = commanded_ || issued != Command::None;
  if (issued == Command::Column) {
    last_data_end_ = std::max(last_data_end_, c.scheduler.bus_free());
    --outstanding_;
  }
  return issued != Command::None || admitted;
}

bool DramCore::step() {
  bool changed = false;
  for (Channel& c : channels_) changed = step_channel(c) || changed;
  return changed;
}

// A cycle in which no channel issued a command or changed its refresh state (at most
// admitted bursts, which fills the request queue or empties the waiting transfers, so
// the next admission needs a command first) is followed by cycles in which none can
// change, up to the earliest next_event of the channels: their steps are skipped until
// then (quiet_until_), unless a submission or a fast-forward changes the state first.
void DramCore::tick() {
  if (every_cycle_) {
    step();
  } else if (now_ >= quiet_until_) {
    commanded_ = false;
    step();
    if (!commanded_) {
      uint64_t next = UINT64_MAX;
      for (const Channel& c : channels_) next = std::min(next, next_event(c));
      quiet_until_ = next;
    }
  }
  ++now_;
}

uint64_t DramCore::next_event(const Channel& c) const {
  EventHorizon h(now_);
  c.refresh.next_events(h, c.banks);
  c.scheduler.next_events(h, c.banks, now_);
  return h.next();
}

bool DramCore::stream(Channel& c) {
  const Refresh& r = c.refresh;
  if (r.due() || now_ < r.blocked_until() || now_ >= r.next_due()) return false;
  // RD/WRs from now_ on, before the next refresh falls due.
  uint64_t resume = 0;
  const uint64_t k = c.scheduler.stream_columns(now_, r.next_due() - 1, c.banks, stats_, resume);
  if (k == 0) {
    if (resume <= now_) return false;
    now_ = resume;  // ACTs and PREs issued up to the first cycle a RD/WR may issue
    return true;
  }
  last_data_end_ = std::max(last_data_end_, c.scheduler.bus_free());
  outstanding_ -= k;
  streamed_bursts_ += k;
  now_ = resume;
  return true;
}

// Ticking steps every channel at every cycle, and a channel's step reads and changes only
// its own state (the rest is sums and a maximum: stats_, outstanding_, last_data_end_),
// so the channels can be run one after another, each visiting the cycles at which its
// own state may change (next_event(c)) or issuing a stream of RD/WRs at once (stream()).
// Ticking finds the core idle first at `end`: the cycle after the last RD/WR of any
// channel, or the end of the last data on the bus if later (or now_, with nothing to
// issue). So each channel runs to its last RD/WR, then on to `end`, exclusive, when
// only its refreshes can happen.
void DramCore::run_until_idle() {
  if (idle()) return;
  quiet_until_ = 0;
  const uint64_t start = now_;
  uint64_t end = start;
  std::vector<uint64_t>& reached = reached_;  // sized once: this runs per transfer
  for (size_t i = 0; i < channels_.size(); ++i) {
    Channel& c = channels_[i];
    now_ = start;
    while (!c.scheduler.empty()) {
      if (stream(c)) continue;
      if (step_channel(c))
        ++now_;
      else
        now_ = next_event(c);
    }
    reached[i] = now_;
    end = std::max(end, now_);
  }
  end = std::max(end, last_data_end_);
  for (size_t i = 0; i < channels_.size(); ++i) {
    Channel& c = channels_[i];
    now_ = reached[i];
    while (now_ < end) {
      if (step_channel(c))
        ++now_;
      else
        now_ = std::min(end, next_event(c));
    }
  }
  now_ = end;
}

bool DramCore::same_state(const DramCore& o) const {
  if (now_ != o.now_ || outstanding_ != o.outstanding_ || last_data_end_ != o.last_data_end_ ||
      channels_.size() != o.channels_.size())
    return false;
  for (size_t i = 0; i < channels_.size(); ++i) {
    const Channel &a = channels_[i], &b = o.channels_[i];
    if (a.banks != b.banks || !(a.refresh == b.refresh) || !a.scheduler.same_state(b.scheduler)) return false;
  }
  return true;
}

void DramCore::skip_to(uint64_t t) {
  if (!idle()) throw Error("internal: DramCore::skip_to on a busy core");
  quiet_until_ = 0;
  for (Channel& c : channels_) stats_.refreshes += c.refresh.skip(now_, t, c.banks);
  now_ = std::max(now_, t);
}

}  // namespace itera::hw

#pragma once
// Reading request traces in DRAMsim3's format (umd-memsys/DRAMsim3: the trace-driven
// CPU, TraceBasedCPU), the input of `itera dram --trace`. One request per line:
//
//   <address> <type> <cycle>          e.g.  0x1f40 READ 12
//
// separated by spaces or tabs: the byte address in hexadecimal, with or without 0x (as
// DRAMsim3 reads it, std::hex; 1 to 16 significant digits), the type READ or WRITE, and
// the DRAM cycle from which the request may enter the controller, in decimal (0 to
// kMaxDramTraceCycle). Blank lines are skipped, a CR before the newline and a UTF-8
// byte-order mark are ignored; cycles must not decrease from one request to the next.
// A trace holds at least one request.
#include <cstdint>
#include <string>
#include <vector>

namespace itera {

struct DramRequest {
  uint64_t addr = 0;
  bool write = false;
  uint64_t cycle = 0;  // the first DRAM cycle at which it may enter

  bool operator==(const DramRequest& o) const { return addr == o.addr && write == o.write && cycle == o.cycle; }
};

// The largest cycle a trace may name: 10^10 DRAM cycles (over six seconds of DDR4-3200,
// ten of HBM2), so that skipping an idle stretch up to it (refresh by refresh) takes well
// under a second.
inline constexpr uint64_t kMaxDramTraceCycle = 10000000000ULL;

// The requests of trace text `text`; `path` names it in messages. Throws itera::Error
// naming the file and the 1-based line, what is wrong and what is allowed.
std::vector<DramRequest> parse_dramsim3_trace(const std::string& text, const std::string& path);
// parse_dramsim3_trace of the file's contents; throws itera::Error when it cannot be read.
std::vector<DramRequest> read_dramsim3_trace(const std::string& path);

// The requests as trace text, one line each ("0x1f40 READ 12"); parse_dramsim3_trace
// reads it back to the same requests.
std::string format_dramsim3_trace(const std::vector<DramRequest>& requests);

}  // namespace itera

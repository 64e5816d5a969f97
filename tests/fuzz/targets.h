#pragma once
// The fuzz targets, one per parser (tests/fuzz/fuzz_NAME.cpp, corpus in corpus/NAME/).
// Each returns 0, or -1 for an input it does not try (libFuzzer then keeps it out of
// the corpus); see fuzz_support.h for what counts as a finding.
#include <cstddef>
#include <cstdint>

namespace itera::fuzz {

int trace(const uint8_t* data, size_t size);         // parse_trace
int accel_config(const uint8_t* data, size_t size);  // parse_accel_config
int sweep(const uint8_t* data, size_t size);         // sweep::parse_sweep_spec
int scalesim(const uint8_t* data, size_t size);      // parse_scalesim_topology
int llama2c(const uint8_t* data, size_t size);       // parse_llama2c (load_llama2c)
int tokenizer(const uint8_t* data, size_t size);     // Tokenizer::parse (Tokenizer::load)
int safetensors(const uint8_t* data, size_t size);   // SafetensorsFile::parse (open)
int hf_config(const uint8_t* data, size_t size);     // parse_llama_hf_config (load_llama_hf)
int compressed(const uint8_t* data, size_t size);    // parse_compressed (load_compressed)
int dse_spec(const uint8_t* data, size_t size);      // dse::parse_dse_spec
int dramsim3_trace(const uint8_t* data, size_t size);  // parse_dramsim3_trace

}  // namespace itera::fuzz

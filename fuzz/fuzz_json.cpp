// Fuzzes the reader of the files `mlsref` is given (conformance/json_reader.h)
// against nlohmann's parser: both must reject the same texts and read the
// rest to identical values.
#include <cstdio>

#include "fuzz/driver.h"
#include "fuzz/json_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string why =
      mlsref::fuzz::json_disagreement(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!why.empty()) {
    std::fprintf(stderr, "%s\n", why.c_str());
    mlsref::fuzz::require(false, "the JSON reader and nlohmann disagree");
  }
  return 0;
}

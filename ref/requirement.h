// A normative statement of RFC 9420, by the ID it has in
// spec/requirements.yaml; ref/requirement_ids.h names them all (req::R12_2_3).
#pragma once

#include <string_view>

namespace mlsref {

struct Requirement {
  std::string_view id;       // "R12.2-3"
  std::string_view section;  // "12.2"
};

}  // namespace mlsref

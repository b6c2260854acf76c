// The library's version, as the build defines it (TILESUM_VERSION, from the project version in CMakeLists.txt).
#include "engine/api/version.hpp"

namespace tilesum {

const char* version() { return TILESUM_VERSION; }

}  // namespace tilesum

// The one source of libtilesum.so itself; everything else comes from the layers it is made of (cmake/TilesumInstall.cmake).
#include "engine/api/version.hpp"

namespace tilesum {

const char* version() { return TILESUM_VERSION; }

}  // namespace tilesum

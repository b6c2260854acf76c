// The library's version, "0.1.0": what the installed libtilesum.so says it is.
#pragma once

namespace tilesum {

const char* version();

}  // namespace tilesum

// What the writer and the reader of plan files (plan_json_write.cpp, plan_json_read.cpp) agree on.
#pragma once

namespace tilesum::plan {

inline constexpr const char* plan_format_name = "tilesum-plan";

}  // namespace tilesum::plan

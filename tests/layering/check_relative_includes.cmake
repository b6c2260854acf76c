# cmake -P check_relative_includes.cmake -DSOURCE_DIR=...: the include views (cmake/TilesumLayer.cmake) hide
# other layers' headers from the include path, but a quoted include is looked up next to the including file
# first, so "../script/ast.hpp" would still reach them. Every quoted include must be written from the root.
set(offenders "")
file(GLOB_RECURSE sources "${SOURCE_DIR}/engine/*.[ch]pp" "${SOURCE_DIR}/io/*.[ch]pp" "${SOURCE_DIR}/tools/*.[ch]pp"
     "${SOURCE_DIR}/tests/*.[ch]pp")
foreach(source IN LISTS sources)
  file(STRINGS "${source}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    if(NOT line MATCHES "\"(engine|io|tools|tests)/[^\"]*\"" OR line MATCHES "\"[^\"]*\\.\\.[^\"]*\"")
      file(RELATIVE_PATH relative "${SOURCE_DIR}" "${source}")
      list(APPEND offenders "${relative}: ${line}")
    endif()
  endforeach()
endforeach()
list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "no sources found under ${SOURCE_DIR}")
endif()
if(offenders)
  list(JOIN offenders "\n  " text)
  message(FATAL_ERROR "quoted includes must name a path from the repository root (engine/..., io/..., tools/..., "
                      "tests/...) without '..':\n  ${text}")
endif()
message(STATUS "${count} sources, every quoted include root-relative")

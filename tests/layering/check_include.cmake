# cmake -P check_include.cmake: compiles a file holding only `#include "HEADER"` with exactly the include
# directories INCLUDE_DIRS ('|'-separated: those a layer's own sources compile with) and checks the outcome.
#   EXPECT=visible  the compile must succeed (the positive control: the mechanism lets legal includes through)
#   EXPECT=hidden   the compile must fail, and because HEADER is not found, not for some other reason
# HEADER must exist under SOURCE_DIR, so that a renamed header cannot make a `hidden` case pass by itself.
foreach(variable IN ITEMS COMPILER SOURCE_DIR WORK_DIR NAME HEADER EXPECT)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "check_include.cmake: -D${variable}=... is missing")
  endif()
endforeach()
if(NOT EXISTS "${SOURCE_DIR}/${HEADER}")
  message(FATAL_ERROR "${HEADER} does not exist in ${SOURCE_DIR}: update tests/layering/CMakeLists.txt")
endif()
if(NOT INCLUDE_DIRS)
  message(FATAL_ERROR "no include directories given: the generator expression in tests/layering is broken")
endif()

string(REPLACE "|" ";" directories "${INCLUDE_DIRS}")
set(flags "")
foreach(directory IN LISTS directories)
  list(APPEND flags "-I${directory}")
endforeach()
file(MAKE_DIRECTORY "${WORK_DIR}")
set(source "${WORK_DIR}/${NAME}.cpp")
file(WRITE "${source}" "#include \"${HEADER}\"\n")
execute_process(COMMAND "${COMPILER}" -std=c++20 -fsyntax-only ${flags} "${source}"
                RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)

if(EXPECT STREQUAL "visible")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${HEADER} should compile with these include directories but did not:\n"
                        "  ${directories}\n${output}")
  endif()
  message(STATUS "visible as it should be: ${HEADER}")
elseif(EXPECT STREQUAL "hidden")
  if(status EQUAL 0)
    message(FATAL_ERROR "${HEADER} compiled, but this layer must not see it. Include directories:\n"
                        "  ${directories}")
  endif()
  string(REGEX REPLACE "([.+])" "\\\\\\1" header_pattern "${HEADER}")
  if(NOT output MATCHES "${header_pattern}: No such file or directory")
    message(FATAL_ERROR "the compile failed, but not because ${HEADER} was not found:\n${output}")
  endif()
  message(STATUS "hidden as it should be: ${HEADER}")
else()
  message(FATAL_ERROR "EXPECT must be visible or hidden, not '${EXPECT}'")
endif()

# One-way layering, enforced by the compiler (docs: /work/shared/DESIGN.md, "Data flows one way").
#
# Includes are written from the repository root ("engine/expr/node.hpp"), but no target gets the root as an
# include directory. Instead each folder has an *include view*: a directory in the build tree,
#   ${CMAKE_BINARY_DIR}/include_views/<target>/<folder>  ->  symlink to ${PROJECT_SOURCE_DIR}/<folder>
# and a library puts only its own view on its PUBLIC include path. The views of other folders reach it only
# through target_link_libraries, so a target sees exactly the headers of what it (transitively) links: an
# include of anything else fails with "No such file or directory".
#
# A quoted include is looked up next to the including file first, but with root-relative paths that lookup
# ends in a path such as engine/expr/engine/script/ast.hpp, which never exists; "../script/ast.hpp" would
# slip past, so tests/layering checks that no source includes a path with "..".

# tilesum_include_view(<target> <PUBLIC|PRIVATE> <folder>): gives <target> the view of <folder> (relative to the
# source root, e.g. engine/expr or io).
function(tilesum_include_view target scope folder)
  set(view_root ${CMAKE_BINARY_DIR}/include_views/${target})
  set(link ${view_root}/${folder})
  get_filename_component(link_parent ${link} DIRECTORY)
  file(MAKE_DIRECTORY ${link_parent})
  if(IS_SYMLINK ${link} OR EXISTS ${link})
    file(REMOVE ${link})
  endif()
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${link} SYMBOLIC)
  target_include_directories(${target} ${scope} ${view_root})
endfunction()

# tilesum_layer(<name> FOLDER <folder> SOURCES <files...> [DEPENDS <tilesum libraries...>]
#               [PRIVATE_LIBS <other libraries...>])
# Static library <name> of the sources in <folder>, showing its own headers and, through DEPENDS (linked
# PUBLIC), those of the layers it may use. PRIVATE_LIBS are third-party libraries (BLAS, HDF5, TBB...): never
# other tilesum layers, whose headers would then be visible without being declared.
function(tilesum_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FOLDER" "SOURCES;DEPENDS;PRIVATE_LIBS")
  if(NOT arg_FOLDER OR NOT arg_SOURCES OR arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tilesum_layer(${name}): needs FOLDER and SOURCES; unexpected: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  add_library(${name} STATIC ${arg_SOURCES})
  # Position-independent: the layers are also linked into libtilesum.so (cmake/TilesumInstall.cmake).
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  tilesum_include_view(${name} PUBLIC ${arg_FOLDER})
  target_link_libraries(${name} PUBLIC ${arg_DEPENDS} PRIVATE tilesum_options ${arg_PRIVATE_LIBS})
endfunction()

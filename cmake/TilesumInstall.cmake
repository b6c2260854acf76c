# `cmake --install` (and `make install`): the CLI, libtilesum.so, the headers under include/tilesum, a CMake package
# (find_package(tilesum) -> tilesum::tilesum) and the man page tilesum(1).
#
# The library is one shared object made of every layer (each a static library of position-independent code): an
# outside project links tilesum::tilesum and nothing else, and libtilesum.so brings HDF5, zlib, TBB, OpenBLAS,
# Highway and liburing along as its own dependencies. Its headers are the engine's, installed under include/tilesum
# with their paths ("engine/expr/tensor.hpp"), which is why include/tilesum itself is on the package's include path
# too.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(tilesum_library_layers tilesum_api tilesum_exec tilesum_plan tilesum_eval tilesum_kernels tilesum_expr tilesum_io
                           tilesum_common)
set(tilesum_library_objects "")
foreach(layer IN LISTS tilesum_library_layers)
  list(APPEND tilesum_library_objects $<TARGET_OBJECTS:${layer}>)
endforeach()
add_library(tilesum_library SHARED ${tilesum_library_objects})
set_target_properties(tilesum_library PROPERTIES OUTPUT_NAME tilesum EXPORT_NAME tilesum
                                                 VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
target_include_directories(tilesum_library PRIVATE $<TARGET_PROPERTY:tilesum_api,INTERFACE_INCLUDE_DIRECTORIES>)
target_link_libraries(tilesum_library PRIVATE tilesum_options hdf5::hdf5 ZLIB::ZLIB TBB::tbb BLAS::BLAS hwy::hwy
                      PkgConfig::liburing)
# Every symbol resolved at link time: a layer missing from the list above fails here, not in a user's program.
target_link_options(tilesum_library PRIVATE -Wl,--no-undefined)
target_include_directories(tilesum_library
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
         $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
         $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/tilesum>)
target_compile_features(tilesum_library PUBLIC cxx_std_20)

install(TARGETS tilesum RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS tilesum_library EXPORT tilesumTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/tilesum/tilesum.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tilesum)
foreach(folder IN ITEMS engine io)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${folder}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tilesum/${folder}
          FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT tilesumTargets NAMESPACE tilesum:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tilesum)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tilesumConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/tilesumConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tilesum)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tilesumConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tilesumConfig.cmake ${PROJECT_BINARY_DIR}/tilesumConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/tilesum)
install(FILES ${PROJECT_SOURCE_DIR}/docs/tilesum.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

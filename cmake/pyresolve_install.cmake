# A relocatable CMake package: find_package(pyresolve CONFIG) from any prefix.
include(CMakePackageConfigHelpers)
set(pyresolve_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/pyresolve)

install(EXPORT pyresolve-targets NAMESPACE pyresolve:: DESTINATION ${pyresolve_cmake_dir}
        FILE pyresolve-targets.cmake)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/pyresolve-config.cmake.in
  ${PROJECT_BINARY_DIR}/pyresolve-config.cmake INSTALL_DESTINATION ${pyresolve_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pyresolve-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pyresolve-config.cmake
              ${PROJECT_BINARY_DIR}/pyresolve-config-version.cmake
        DESTINATION ${pyresolve_cmake_dir})

# Helpers shared by every module target.

# Warnings and sanitizers apply to our own targets only, never to consumers.
function(pyresolve_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion)
  # GCC 12 reports -Wrestrict false positives inside libstdc++'s std::string operator+ at -O2
  # and above (GCC bug 105329); the warning stays on for other compilers.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(PYRESOLVE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Fuzzing needs coverage feedback from the library code too, not only from the harness.
if(PYRESOLVE_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(PYRESOLVE_SANITIZE)
  add_compile_options(-fsanitize=${PYRESOLVE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PYRESOLVE_SANITIZE})
endif()

# pyresolve_add_module(NAME [STATIC] [DEPS targets...] [PRIVATE_DEPS targets...])
# A module is a folder with include/pyresolve/<name>/ (public, installed) and src/ (private).
# Its library is static, or shared with BUILD_SHARED_LIBS unless STATIC is given; either way
# it is position-independent, and what it exports is marked PYRESOLVE_API (support/export.hpp).
function(pyresolve_add_module name)
  cmake_parse_arguments(arg "STATIC" "" "DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  if(sources)
    if(arg_STATIC)
      add_library(pyresolve_${name} STATIC ${sources})
    else()
      add_library(pyresolve_${name} ${sources})
    endif()
    set(scope PUBLIC)
  else()
    add_library(pyresolve_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(pyresolve::${name} ALIAS pyresolve_${name})
  set_target_properties(pyresolve_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME pyresolve_${name})
  target_include_directories(pyresolve_${name} ${scope}
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(pyresolve_${name} ${scope} cxx_std_20)
  if(arg_DEPS)
    target_link_libraries(pyresolve_${name} ${scope} ${arg_DEPS})
  endif()
  if(sources)
    if(arg_PRIVATE_DEPS)
      target_link_libraries(pyresolve_${name} PRIVATE ${arg_PRIVATE_DEPS})
    endif()
    target_include_directories(pyresolve_${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    set_target_properties(pyresolve_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    pyresolve_target_defaults(pyresolve_${name})
  endif()
  install(TARGETS pyresolve_${name} EXPORT pyresolve-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

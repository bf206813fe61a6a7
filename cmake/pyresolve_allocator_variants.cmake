# pyresolve_add_allocator_variants(target)
#
# For an executable `target`, also builds the same program with another global allocator:
#   <target>-mimalloc  linked with Debian's libmimalloc.so, which exports malloc/free/new/delete
#                      and so overrides glibc's for the whole process;
#   <target>-jemalloc  linked with Debian's libjemalloc.so (unprefixed: it replaces malloc).
# tbbmalloc needs no build of its own: run the plain target with
#   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libtbbmalloc_proxy.so.2 <target> ...
# Never trust a variant without checking it: `allocator::process_allocator_name()` reports
# what really serves malloc (tests/allocator/CMakeLists.txt runs each variant with
# --print-allocator). Call it from the directory that defines `target`.
function(pyresolve_add_allocator_variants target)
  find_package(mimalloc REQUIRED)
  find_library(PYRESOLVE_JEMALLOC_SHARED NAMES libjemalloc.so.2 REQUIRED)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  get_target_property(libraries ${target} LINK_LIBRARIES)
  get_target_property(definitions ${target} COMPILE_DEFINITIONS)
  get_target_property(link_options ${target} LINK_OPTIONS)
  get_target_property(lazy_index_io ${target} PYRESOLVE_LAZY_INDEX_IO)
  list(TRANSFORM sources PREPEND "${source_dir}/" REGEX "^[^/]")
  foreach(variant IN ITEMS mimalloc jemalloc)
    set(name ${target}-${variant})
    add_executable(${name} ${sources})
    if(variant STREQUAL "mimalloc")
      set(heap mimalloc)
    else()
      set(heap ${PYRESOLVE_JEMALLOC_SHARED})
      # jemalloc's short-run settings, which it reads from the executable before `main`
      # (allocator/include/pyresolve/allocator/heap_tuning.hpp); mimalloc's are set in `main`.
      target_sources(${name} PRIVATE ${PROJECT_SOURCE_DIR}/allocator/jemalloc_conf/jemalloc_short_run.cpp)
      target_link_options(${name} PRIVATE "LINKER:--export-dynamic-symbol=malloc_conf")
    endif()
    # The allocator goes first on the link line, and --no-as-needed keeps it in DT_NEEDED even
    # though no code names it: that is how it comes before libc in symbol lookup. (uv once
    # shipped a build whose allocator crate was silently dropped; the tests catch that here.)
    # Only for the allocator: the rest of the line is linked as the plain target's is, so the
    # variant needs no library the plain target does not.
    target_link_libraries(${name} PRIVATE "-Wl,--push-state,--no-as-needed" ${heap} "-Wl,--pop-state"
                                          ${libraries})
    if(definitions)
      target_compile_definitions(${name} PRIVATE ${definitions})
    endif()
    if(link_options)
      target_link_options(${name} PRIVATE ${link_options})
    endif()
    if(lazy_index_io)  # index/CMakeLists.txt: the index's libraries opened on first use
      set_target_properties(${name} PROPERTIES PYRESOLVE_LAZY_INDEX_IO ${lazy_index_io})
    endif()
    pyresolve_target_defaults(${name})
  endforeach()
endfunction()

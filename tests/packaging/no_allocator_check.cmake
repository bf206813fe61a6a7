# A program that uses only pyresolve::packaging links neither pyresolve's allocator module nor
# Boost.Container's compiled library. Run as a test:
#   cmake -DNM=... -DLINKS="<INTERFACE_LINK_LIBRARIES of pyresolve_packaging, '|'-joined>"
#         -DPROGRAMS="<program>|<program>..." -P no_allocator_check.cmake
# Fails when packaging's link interface names the allocator, or when a program defines a
# symbol of the allocator module or of Boost.Container's archive (its dlmalloc and pmr).
if(LINKS MATCHES "allocator")
  message(FATAL_ERROR "pyresolve_packaging links the allocator module: ${LINKS}")
endif()
string(REPLACE "|" ";" programs "${PROGRAMS}")
foreach(program IN LISTS programs)
  execute_process(COMMAND ${NM} -C --defined-only ${program} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} failed on ${program}")
  endif()
  if(NOT symbols MATCHES "pyresolve::packaging::")
    message(FATAL_ERROR "${program} has no symbol of pyresolve::packaging: nothing was checked")
  endif()
  string(REGEX MATCH "[^\n]*(pyresolve::allocator::|boost::container::dlmalloc|boost::container::pmr::|boost_cont_)[^\n]*"
               found "${symbols}")
  if(found)
    message(FATAL_ERROR "${program} links the allocator module or Boost.Container: ${found}")
  endif()
  message(STATUS "${program}: no allocator, no Boost.Container")
endforeach()

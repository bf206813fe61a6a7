# cmake -DARCHIVE=in.a -DMEMBER=x.o -DOUTPUT=out.a -DAR=ar -DOBJCOPY=objcopy -P strip_constructor.cmake
#
# Writes OUTPUT, a copy of ARCHIVE in which MEMBER no longer registers its constructor. Fails
# unless MEMBER had exactly one (.init_array of one pointer), so an upstream change to what
# that object runs at load time stops the build instead of passing unnoticed.
foreach(var ARCHIVE MEMBER OUTPUT AR OBJCOPY)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "strip_constructor.cmake: ${var} is not set")
  endif()
endforeach()

get_filename_component(out_dir "${OUTPUT}" DIRECTORY)
set(work "${out_dir}/strip_constructor.work")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}")

function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${work}" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "strip_constructor.cmake: `${ARGN}` failed (${rc}): ${err}")
  endif()
endfunction()

run("${AR}" x "${ARCHIVE}" "${MEMBER}")
run("${OBJCOPY}" --dump-section .init_array=init_array.bin "${MEMBER}")
file(SIZE "${work}/init_array.bin" init_bytes)
if(NOT init_bytes EQUAL 8)
  message(FATAL_ERROR "strip_constructor.cmake: ${MEMBER} of ${ARCHIVE} has ${init_bytes} bytes of "
                      ".init_array, not the one constructor expected")
endif()
run("${OBJCOPY}" --remove-section .init_array --remove-section .rela.init_array "${MEMBER}")
file(COPY_FILE "${ARCHIVE}" "${work}/out.a")
run("${AR}" r out.a "${MEMBER}")
file(RENAME "${work}/out.a" "${OUTPUT}")
file(REMOVE_RECURSE "${work}")

# Runs pulse-bench and checks it exits 0 and prints what is expected.
# Invoked by ctest with -DBENCH=... -DARGS=a;b;c -DEXPECT=x;y (each of EXPECT
# must occur in its output).
execute_process(COMMAND ${BENCH} ${ARGS}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
  TIMEOUT 170)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pulse-bench ${ARGS} exited ${rc}\n${out}\n${err}")
endif()
foreach(expected IN LISTS EXPECT)
  string(FIND "${out}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "no '${expected}' in the output\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "${out}")

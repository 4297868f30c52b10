# Runs pulse-bench and checks it exits 0 and prints what is expected.
# Invoked by ctest with -DBENCH=... and optionally -DARGS=a;b;c (default
# `--quick all`) and -DEXPECT=x;y (default one JSON figure line for every
# scenario).
if(NOT DEFINED ARGS)
  set(ARGS --quick all)
endif()
if(NOT DEFINED EXPECT)
  set(EXPECT)
  foreach(prefix ingest. query. fanout. storage. restart.)
    list(APPEND EXPECT "{\"figure\": \"${prefix}")
  endforeach()
endif()
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

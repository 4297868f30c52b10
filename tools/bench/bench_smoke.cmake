# Runs `pulse-bench all --quick` and checks it exits 0 and prints at least
# one JSON figure line for every scenario. Invoked by ctest with -DBENCH=...
execute_process(COMMAND ${BENCH} --quick all
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
  TIMEOUT 170)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pulse-bench all --quick exited ${rc}\n${out}\n${err}")
endif()
foreach(prefix ingest. query. fanout. storage. restart.)
  string(FIND "${out}" "{\"figure\": \"${prefix}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "no JSON figure line for ${prefix}\n${out}\n${err}")
  endif()
endforeach()
message(STATUS "${out}")

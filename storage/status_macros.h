// Small status helpers: Abseil 20220623 has no
// RETURN_IF_ERROR/ASSIGN_OR_RETURN.
#ifndef PULSE_STORAGE_STATUS_MACROS_H_
#define PULSE_STORAGE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PULSE_CONCAT_INNER_(a, b) a##b
#define PULSE_CONCAT_(a, b) PULSE_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define PULSE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status pulse_status_ = (expr);         \
    if (!pulse_status_.ok()) return pulse_status_; \
  } while (0)

// `lhs = value of expr`, or returns its status when not OK.
#define PULSE_ASSIGN_OR_RETURN(lhs, expr)                                     \
  PULSE_ASSIGN_OR_RETURN_IMPL_(PULSE_CONCAT_(pulse_statusor_, __LINE__), lhs, \
                               expr)
#define PULSE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // PULSE_STORAGE_STATUS_MACROS_H_

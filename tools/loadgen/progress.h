// The text pulse-loadgen prints: a one-line progress report for a terminal,
// retry notices when there is none, and the summary at the end.
#ifndef PULSE_TOOLS_LOADGEN_PROGRESS_H_
#define PULSE_TOOLS_LOADGEN_PROGRESS_H_

#include <string>

#include "tools/loadgen/runner.h"

namespace pulse::loadgen {

// One line (no newline) of rates and totals, for rewriting in place.
std::string FormatProgress(const RunStats& stats);

// A few lines (newline-terminated) summing up a run.
std::string FormatSummary(const RunStats& stats);

// One line (newline-terminated) saying that sending is interrupted and
// retried, and why, or that it has recovered: for a stderr that shows no
// progress line.
std::string FormatRetryEpisode(const RetryEpisode& episode);

}  // namespace pulse::loadgen

#endif  // PULSE_TOOLS_LOADGEN_PROGRESS_H_

// pulse-bench's output: every measured figure as one JSON line
// {"figure": NAME, "value": X, "unit": U, "cores": N, "settings": {...}}
// printed when measured, and a table of all of them at the end.
//
// It knows nothing of servers or scenarios: callers hand it numbers.
#ifndef PULSE_TOOLS_BENCH_REPORT_H_
#define PULSE_TOOLS_BENCH_REPORT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"

namespace pulse::bench {

// The settings a figure was measured with, as a JSON object.
class Settings {
 public:
  Settings& Num(const std::string& key, double value);
  Settings& Str(const std::string& key, const std::string& value);
  Settings& Bool(const std::string& key, bool value);
  Settings& Set(const std::string& key, const google::protobuf::Value& value);
  const google::protobuf::Struct& proto() const { return fields_; }

 private:
  google::protobuf::Struct fields_;
};

struct Figure {
  std::string name;  // dotted, e.g. "ingest.batch10000.engagements_per_s"
  double value = 0;
  std::string unit;
  Settings settings;
};

// Collects figures. Not thread-safe: use from the scenario thread.
class Report {
 public:
  // `out` is not owned (stdout in the binary, a file or memstream in tests).
  explicit Report(std::FILE* out);

  // Prints the figure's JSON line at once (flushed) and keeps it for Table.
  void Add(Figure figure);
  // Prints an aligned table of every figure added so far. A figure measured
  // more than once (pulse-bench --runs) shows the median, min and max of its
  // runs, and its median is also printed as a JSON line with the settings
  // every run shared, plus "runs" and "stat": "median".
  void PrintTable() const;

  const std::vector<Figure>& figures() const { return figures_; }

 private:
  std::FILE* out_;
  int cores_;
  std::vector<Figure> figures_;
};

// The JSON line of one figure, without a newline.
std::string FigureJson(const Figure& figure, int cores);

}  // namespace pulse::bench

#endif  // PULSE_TOOLS_BENCH_REPORT_H_

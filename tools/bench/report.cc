#include "tools/bench/report.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace pulse::bench {
namespace {

// Protobuf's JSON printer for one Value (so strings are escaped its way).
std::string ValueJson(const google::protobuf::Value& value) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok()) {
    return "null";
  }
  return out;
}

google::protobuf::Value StringValue(const std::string& s) {
  google::protobuf::Value v;
  v.set_string_value(s);
  return v;
}

// Three decimals are plenty for every figure and keep lines short.
double Rounded(double x) {
  if (!std::isfinite(x)) return 0;
  return std::round(x * 1000) / 1000;
}

google::protobuf::Value NumberValue(double x) {
  google::protobuf::Value v;
  v.set_number_value(Rounded(x));
  return v;
}

}  // namespace

Settings& Settings::Num(const std::string& key, double value) {
  (*fields_.mutable_fields())[key].set_number_value(Rounded(value));
  return *this;
}

Settings& Settings::Str(const std::string& key, const std::string& value) {
  (*fields_.mutable_fields())[key].set_string_value(value);
  return *this;
}

Settings& Settings::Set(const std::string& key,
                        const google::protobuf::Value& value) {
  (*fields_.mutable_fields())[key] = value;
  return *this;
}

Settings& Settings::Bool(const std::string& key, bool value) {
  (*fields_.mutable_fields())[key].set_bool_value(value);
  return *this;
}

std::string FigureJson(const Figure& figure, int cores) {
  google::protobuf::Value settings;
  *settings.mutable_struct_value() = figure.settings.proto();
  // The outer object is assembled in the documented key order; every value
  // inside it is printed by protobuf's JSON printer.
  return absl::StrCat("{\"figure\": ", ValueJson(StringValue(figure.name)),
                      ", \"value\": ", ValueJson(NumberValue(figure.value)),
                      ", \"unit\": ", ValueJson(StringValue(figure.unit)),
                      ", \"cores\": ", cores,
                      ", \"settings\": ", ValueJson(settings), "}");
}

Report::Report(std::FILE* out)
    : out_(out),
      cores_(static_cast<int>(std::thread::hardware_concurrency())) {}

void Report::Add(Figure figure) {
  std::fprintf(out_, "%s\n", FigureJson(figure, cores_).c_str());
  std::fflush(out_);
  figures_.push_back(std::move(figure));
}

void Report::PrintTable() const {
  // Runs of one figure, in the order figures first appeared.
  std::vector<std::vector<const Figure*>> runs;
  for (const Figure& f : figures_) {
    auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& r) {
      return r.front()->name == f.name;
    });
    if (it == runs.end()) {
      runs.push_back({&f});
    } else {
      it->push_back(&f);
    }
  }
  size_t width = 6;
  for (const Figure& f : figures_) width = std::max(width, f.name.size());
  std::fprintf(out_, "\n%-*s  %14s  %14s  %14s  %4s  %s\n",
               static_cast<int>(width), "figure", "median", "min", "max",
               "runs", "unit");
  std::fprintf(out_, "%s\n", std::string(width + 70, '-').c_str());
  std::vector<Figure> medians;
  for (const std::vector<const Figure*>& r : runs) {
    std::vector<double> values;
    for (const Figure* f : r) values.push_back(f->value);
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    const double median =
        n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    std::fprintf(out_, "%-*s  %14s  %14s  %14s  %4zu  %s\n",
                 static_cast<int>(width), r.front()->name.c_str(),
                 absl::StrFormat("%.3f", median).c_str(),
                 absl::StrFormat("%.3f", values.front()).c_str(),
                 absl::StrFormat("%.3f", values.back()).c_str(), n,
                 r.front()->unit.c_str());
    if (n > 1) {
      // Settings that differ between runs (measured seconds, RSS...) would
      // be one run's, not the median's: only those all runs share are kept.
      Figure m;
      m.name = r.front()->name;
      m.unit = r.front()->unit;
      m.value = median;
      for (const auto& field : r.front()->settings.proto().fields()) {
        const std::string wanted = field.second.SerializeAsString();
        const bool shared =
            std::all_of(r.begin(), r.end(), [&](const Figure* f) {
              const auto& fields = f->settings.proto().fields();
              auto it = fields.find(field.first);
              return it != fields.end() &&
                     it->second.SerializeAsString() == wanted;
            });
        if (shared) m.settings.Set(field.first, field.second);
      }
      m.settings.Num("runs", static_cast<double>(n)).Str("stat", "median");
      medians.push_back(std::move(m));
    }
  }
  for (const Figure& m : medians) {
    std::fprintf(out_, "%s\n", FigureJson(m, cores_).c_str());
  }
  std::fflush(out_);
}

}  // namespace pulse::bench

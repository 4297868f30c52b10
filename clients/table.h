// Plain-text output of the `pulse` tool: aligned tables and the number,
// percentage and time formats used in them.
#ifndef PULSE_CLIENTS_TABLE_H_
#define PULSE_CLIENTS_TABLE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace pulse {

// A table of text cells in aligned columns, separated by two spaces, with a
// header row. Widths count UTF-8 code points; lines have no trailing spaces.
class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  // Requires at least one column.
  explicit Table(std::vector<Column> columns);

  // Appends a row; missing cells are empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  // The header line and one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// "name  value" lines with the values aligned, each ending in '\n'.
std::string RenderFields(
    const std::vector<std::pair<std::string, std::string>>& fields);

// 1234567 → "1,234,567"; -1234 → "-1,234".
std::string FormatCount(int64_t value);

// A ratio as a percentage with two decimals: 0.0321 → "3.21%".
std::string FormatPercent(double ratio);

// A growth ratio as a signed percentage with one decimal: 0.5 → "+50.0%".
std::string FormatGrowth(double ratio);

// A rate with one decimal and thousands separators: 1234.56 → "1,234.6".
std::string FormatRate(double value);

// RFC 3339 in UTC with seconds ("2024-05-01T12:00:00Z"); "-" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& time);

// A short duration ("1h", "5m", "1h30m", "250ms"); "-" when zero.
std::string FormatDuration(const google::protobuf::Duration& duration);

}  // namespace pulse

#endif  // PULSE_CLIENTS_TABLE_H_

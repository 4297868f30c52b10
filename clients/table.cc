#include "clients/table.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace pulse {
namespace {

// The number of UTF-8 code points in `text` (continuation bytes not counted).
size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(),
      [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Appends `cells` rendered with `aligns` and their column `widths`.
void AppendLine(const std::vector<std::string>& cells,
                const std::vector<Table::Align>& aligns,
                const std::vector<size_t>& widths, std::string* out) {
  std::string line;
  for (size_t i = 0; i < widths.size(); ++i) {
    const std::string& cell = i < cells.size() ? cells[i] : std::string();
    std::string padding(widths[i] - DisplayWidth(cell), ' ');
    if (i > 0) line += "  ";
    if (aligns[i] == Table::Align::kRight) {
      absl::StrAppend(&line, padding, cell);
    } else {
      absl::StrAppend(&line, cell, padding);
    }
  }
  line.erase(line.find_last_not_of(' ') + 1);
  absl::StrAppend(out, line, "\n");
}

// Inserts thousands separators into a string of digits.
std::string GroupDigits(const std::string& digits) {
  std::string out;
  int leading = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (static_cast<int>(i) - leading) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths;
  std::vector<Align> aligns;
  std::vector<std::string> headers;
  for (const Column& column : columns_) {
    widths.push_back(DisplayWidth(column.header));
    aligns.push_back(column.align);
    headers.push_back(column.header);
  }
  for (const std::vector<std::string>& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  AppendLine(headers, aligns, widths, &out);
  for (const std::vector<std::string>& row : rows_) {
    AppendLine(row, aligns, widths, &out);
  }
  return out;
}

std::string RenderFields(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  size_t width = 0;
  for (const auto& [name, value] : fields) {
    width = std::max(width, DisplayWidth(name));
  }
  std::string out;
  for (const auto& [name, value] : fields) {
    std::string line = absl::StrCat(
        name, std::string(width - DisplayWidth(name) + 2, ' '), value);
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string FormatCount(int64_t value) {
  std::string digits = absl::StrCat(value);
  if (value < 0) return absl::StrCat("-", GroupDigits(digits.substr(1)));
  return GroupDigits(digits);
}

std::string FormatPercent(double ratio) {
  return absl::StrFormat("%.2f%%", ratio * 100.0);
}

std::string FormatGrowth(double ratio) {
  return absl::StrFormat("%+.1f%%", ratio * 100.0);
}

std::string FormatRate(double value) {
  if (!std::isfinite(value)) return absl::StrCat(value);
  std::string fixed = absl::StrFormat("%.1f", std::fabs(value));
  size_t dot = fixed.find('.');
  std::string sign = value < 0 && fixed != "0.0" ? "-" : "";
  return absl::StrCat(sign, GroupDigits(fixed.substr(0, dot)),
                      fixed.substr(dot));
}

std::string FormatTimestamp(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  absl::Time t =
      absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string FormatDuration(const google::protobuf::Duration& duration) {
  if (duration.seconds() == 0 && duration.nanos() == 0) return "-";
  absl::Duration d =
      absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
  return absl::FormatDuration(d);
}

}  // namespace pulse

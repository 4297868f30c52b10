#include "clients/table.h"

#include <gtest/gtest.h>

namespace pulse {
namespace {

TEST(Table, AlignsColumnsToTheirWidestCell) {
  Table table({{"POST"}, {"LIKES", Table::Align::kRight}});
  table.AddRow({"p1", "5"});
  table.AddRow({"long-post", "1,234"});
  EXPECT_EQ(table.Render(),
            "POST       LIKES\n"
            "p1             5\n"
            "long-post  1,234\n");
}

TEST(Table, LeavesNoTrailingSpacesAfterALeftAlignedLastColumn) {
  Table table({{"A"}, {"TAGS"}});
  table.AddRow({"x", ""});
  EXPECT_EQ(table.Render(), "A  TAGS\nx\n");
}

TEST(Table, CountsUtf8CodePointsNotBytes) {
  Table table({{"TAG"}, {"N", Table::Align::kRight}});
  table.AddRow({"café", "1"});
  table.AddRow({"cafes", "2"});
  EXPECT_EQ(table.Render(),
            "TAG    N\n"
            "café   1\n"
            "cafes  2\n");
}

TEST(Table, FillsMissingCellsWithBlanks) {
  Table table({{"A"}, {"B", Table::Align::kRight}});
  table.AddRow({"x"});
  EXPECT_EQ(table.Render(), "A  B\nx\n");
}

TEST(Table, RenderFieldsAlignsValues) {
  EXPECT_EQ(RenderFields({{"post", "p1"}, {"engagement rate", "3.00%"}}),
            "post             p1\n"
            "engagement rate  3.00%\n");
}

TEST(Format, CountGroupsThousands) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1000), "1,000");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
}

TEST(Format, NegativeCountKeepsItsSignOutsideTheGroups) {
  EXPECT_EQ(FormatCount(-123456), "-123,456");
  EXPECT_EQ(FormatCount(INT64_MIN), "-9,223,372,036,854,775,808");
}

TEST(Format, PercentHasTwoDecimals) {
  EXPECT_EQ(FormatPercent(0.0321), "3.21%");
  EXPECT_EQ(FormatPercent(0), "0.00%");
  EXPECT_EQ(FormatPercent(1.5), "150.00%");
}

TEST(Format, GrowthIsSigned) {
  EXPECT_EQ(FormatGrowth(0.5), "+50.0%");
  EXPECT_EQ(FormatGrowth(-0.25), "-25.0%");
}

TEST(Format, RateHasOneDecimalAndGroups) {
  EXPECT_EQ(FormatRate(1234.56), "1,234.6");
  EXPECT_EQ(FormatRate(0.04), "0.0");
  EXPECT_EQ(FormatRate(-2.5), "-2.5");
}

TEST(Format, TimestampIsRfc3339InUtc) {
  google::protobuf::Timestamp time;
  time.set_seconds(1714564800);
  EXPECT_EQ(FormatTimestamp(time), "2024-05-01T12:00:00Z");
}

TEST(Format, UnsetTimestampIsADash) {
  EXPECT_EQ(FormatTimestamp(google::protobuf::Timestamp()), "-");
}

TEST(Format, DurationIsShort) {
  google::protobuf::Duration duration;
  duration.set_seconds(5400);
  EXPECT_EQ(FormatDuration(duration), "1h30m");
}

}  // namespace
}  // namespace pulse
